// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {BlockCommitment} from "../libraries/BlockCommitment.sol";
import {Operations} from "../libraries/Operations.sol";
import {SyncHash} from "../libraries/SyncHash.sol";

/// @title ProtocolHarness
/// @notice TEST-ONLY: exposes the protocol codecs so tests can check them against docs/protocol.md's vectors.
contract ProtocolHarness {
    function commitment(
        uint256 domain,
        uint64 blockNumber,
        uint64 timestamp,
        bytes32 oldRoot,
        bytes32 newRoot,
        bytes calldata publicData
    ) external pure returns (bytes32 blockCommitment, uint256 publicInput) {
        blockCommitment = BlockCommitment.commitment(domain, blockNumber, timestamp, oldRoot, newRoot, publicData);
        publicInput = BlockCommitment.publicInput(blockCommitment);
    }

    function domainOf(uint64 primaryEvmChainId, address primaryRollup) external pure returns (uint256) {
        return BlockCommitment.domainOf(primaryEvmChainId, primaryRollup);
    }

    function readOp(bytes calldata publicData, uint256 offset) external pure returns (Operations.OnchainOp memory) {
        return Operations.read(publicData, offset);
    }

    /// @notice h_c over the on-chain section: the records of `chainId` that are not Noop, in order.
    function opsHash(bytes calldata publicData, uint256 nOp, uint8 chainId) external pure returns (bytes32 h) {
        for (uint256 i = 0; i < nOp; ++i) {
            uint256 offset = i * Operations.OP_RECORD_BYTES;
            if (uint8(publicData[offset]) != uint8(Operations.OpType.Noop) && uint8(publicData[offset + 1]) == chainId) {
                h = SyncHash.foldOp(h, publicData[offset:offset + Operations.OP_RECORD_BYTES]);
            }
        }
    }

    function nextSyncHash(bytes32 previous, uint64 blockNumber, bytes32 newStateRoot, bytes32 opsHash_)
        external
        pure
        returns (bytes32)
    {
        return SyncHash.next(previous, blockNumber, newStateRoot, opsHash_);
    }
}
