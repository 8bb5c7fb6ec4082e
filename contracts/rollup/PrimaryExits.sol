// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPrimaryRollup} from "../interfaces/IPrimaryRollup.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {IExitVerifier, IVerifier} from "../interfaces/IVerifier.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {SyncMessages} from "../libraries/SyncMessages.sol";
import {PrimaryStorage} from "./PrimaryStorage.sol";
import {RollupStorage} from "./RollupStorage.sol";
import "../common/Errors.sol";

/// @title PrimaryExits
/// @notice The primary's exodus exits (docs/exodus.md section 4): PrimaryRollup runs `exit` here by
///         delegatecall, on its own storage. Its own contract keeps PrimaryRollup under EIP-170's code limit.
/// @dev Called directly, it works on its own empty storage, where exodus is never active: every call reverts.
contract PrimaryExits is PrimaryStorage, ReentrancyGuardTransient {
    /// @notice The exit circuit's verifier, fixed at deployment: nobody can swap what an exit must prove.
    IExitVerifier public immutable exitVerifier;

    constructor(RollupParams memory params, address exitVerifier_) RollupStorage(params) {
        if (exitVerifier_ == address(0)) revert ZeroAddress();
        exitVerifier = IExitVerifier(exitVerifier_);
    }

    /// @notice IPrimaryRollup.exit, run by delegatecall from PrimaryRollup.
    function exit(
        IRollup.StoredBlockInfo calldata referenceBlock,
        uint32 accountIndex,
        uint16 tokenId,
        uint128 balance,
        IPrimaryRollup.ExitPayout[] calldata payouts,
        IVerifier.Proof calldata proof
    ) external nonReentrant {
        _requireExodusFinished();
        if (referenceBlock.blockNumber != exodusBlock) revert ExitReferenceMismatch(exodusBlock, referenceBlock.blockNumber);
        _checkStoredBlock(referenceBlock);
        if (exited[accountIndex]) revert AlreadyExited(accountIndex);
        uint256 key = uint256(accountIndex) | uint256(tokenId) << 32 | uint256(uint160(msg.sender)) << 48;
        uint256[3] memory input = [uint256(referenceBlock.stateRoot), key, uint256(balance)];
        if (!exitVerifier.verifyProof(proof.a, proof.b, proof.c, input)) revert InvalidExitProof(accountIndex);
        exited[accountIndex] = true;
        uint256 paid;
        for (uint256 i = 0; i < payouts.length; ++i) {
            paid += _payExit(payouts[i], tokenId);
        }
        if (paid != balance || balance == 0) revert ExitPayoutsMismatch(balance, paid);
        emit IPrimaryRollup.Exited(accountIndex, msg.sender, tokenId, balance);
    }

    /// @dev Debit the paying chain's liquidity, then credit the caller here or send the payout there.
    function _payExit(IPrimaryRollup.ExitPayout calldata payout, uint16 tokenId) private returns (uint256) {
        uint8 chainId = payout.chainId;
        uint128 amount = payout.amount;
        if (amount == 0) revert ExitPayoutsMismatch(1, 0);
        if (chainId == rollupChainId) {
            int256 held = vault[tokenId];
            uint256 available = held > 0 ? uint256(held) : 0;
            if (available < amount) revert ShortOfLiquidity(chainId, tokenId, available, amount);
            vault[tokenId] = held - int256(uint256(amount));
            _credit(msg.sender, tokenId, amount);
            return amount;
        }
        if (!liquidityReported[chainId][tokenId]) revert LiquidityNotReported(chainId, tokenId);
        uint256 left = exodusLiquidity[chainId][tokenId];
        if (left < amount) revert ShortOfLiquidity(chainId, tokenId, left, amount);
        exodusLiquidity[chainId][tokenId] = left - amount;
        IRollup.Peer memory peer = peers[chainId];
        uint64 nonce = IMessenger(messenger).send(
            peer.evmChainId, peer.rollup, SyncMessages.encodePayout(chainId, msg.sender, tokenId, amount)
        );
        emit IPrimaryRollup.ExitPayoutSent(chainId, msg.sender, tokenId, amount, nonce);
        return amount;
    }
}
