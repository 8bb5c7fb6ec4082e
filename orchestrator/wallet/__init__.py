"""The user's side: accounts (keys), L1 actions (deposit, full exit, balances) and signed L2 transactions."""
