// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title IMessenger
/// @notice A cross-chain messenger as the rollup contracts see it: `send` on the source chain, delivery
///         to the recipient on the destination chain. The devnet implementation is AttestedMessenger;
///         a LayerZero, Hyperlane or CCIP adapter can take its place without touching the rollup.
interface IMessenger {
    /// @notice A message as it travels: everything a delivery is checked against.
    struct Message {
        uint256 sourceChainId; // EVM chain id of the chain that sent it
        uint256 destinationChainId; // EVM chain id of the chain that must deliver it
        uint64 nonce; // per-source sequence number, from 0
        address sender; // who called `send` on the source chain
        address recipient; // the IMessageReceiver on the destination chain
        bytes payload;
    }

    /// @notice Emitted by `send`; the relayer watches it and carries the message to its destination.
    event MessageSent(
        uint64 indexed nonce,
        uint256 indexed destinationChainId,
        address indexed sender,
        address recipient,
        bytes payload
    );

    /// @notice Emitted when a message reached its recipient.
    event MessageDelivered(uint256 indexed sourceChainId, uint64 indexed nonce, address indexed recipient);

    /// @notice Queue `payload` for `recipient` on `destinationChainId`; returns the message nonce.
    function send(uint256 destinationChainId, address recipient, bytes calldata payload) external returns (uint64);

    /// @notice True once the message (sourceChainId, nonce) has been delivered here.
    function delivered(uint256 sourceChainId, uint64 nonce) external view returns (bool);
}

/// @title IMessageReceiver
/// @notice What a messenger calls on the recipient when it delivers a message.
interface IMessageReceiver {
    /// @param sourceChainId EVM chain id the message came from.
    /// @param sender The address that sent it on the source chain (the recipient decides whom it trusts).
    function receiveMessage(uint256 sourceChainId, address sender, bytes calldata payload) external;
}
