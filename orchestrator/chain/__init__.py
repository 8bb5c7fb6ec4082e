"""Everything about talking to the chains: the address book, connections, one sender per account, a typed
client per contract, log scanning."""
