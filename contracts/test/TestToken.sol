// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title TestToken
/// @notice TEST-ONLY ERC-20 for devnets: anyone may mint. Never deploy it where tokens have value.
/// @dev A plain ERC-20 (EIP-20) with an open `mint`, so devnet users can fund themselves.
contract TestToken {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;

    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The sender's balance is below the amount.
    error InsufficientBalance(uint256 needed, uint256 available);
    /// @notice The spender's allowance is below the amount.
    error InsufficientAllowance(uint256 needed, uint256 available);
    /// @notice Transfers to the zero address are refused (a lost-funds guard).
    error ZeroAddressRecipient();

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    /// @notice TEST-ONLY: mint `amount` to `to`.
    function mint(address to, uint256 amount) external {
        if (to == address(0)) revert ZeroAddressRecipient();
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientAllowance(amount, allowed);
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) private {
        if (to == address(0)) revert ZeroAddressRecipient();
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(amount, balance);
        unchecked {
            balanceOf[from] = balance - amount;
        }
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
