// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IMessageReceiver, IMessenger} from "../interfaces/IMessenger.sol";

/// @title RecordingReceiver
/// @notice TEST-ONLY message receiver: records what the messenger delivered, and can be told to revert.
contract RecordingReceiver is IMessageReceiver {
    uint256 public count;
    uint256 public lastSourceChainId;
    address public lastSender;
    bytes public lastPayload;
    bool public failNext;
    /// @notice TEST-ONLY: stands in for a rollup's exodus flag, which a messenger reads (AttestedMessenger.rollup).
    bool public exodusActive;

    error ReceiverFailed();

    function setFailNext(bool fail) external {
        failNext = fail;
    }

    /// @notice TEST-ONLY: send through `messenger`, as a rollup does (a messenger takes only its rollup's).
    function sendVia(IMessenger messenger, uint256 destinationChainId, address recipient, bytes calldata payload)
        external
        returns (uint64)
    {
        return messenger.send(destinationChainId, recipient, payload);
    }

    function setExodusActive(bool active) external {
        exodusActive = active;
    }

    function receiveMessage(uint256 sourceChainId, address sender, bytes calldata payload) external {
        if (failNext) revert ReceiverFailed();
        ++count;
        lastSourceChainId = sourceChainId;
        lastSender = sender;
        lastPayload = payload;
    }
}
