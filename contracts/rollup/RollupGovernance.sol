// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {RollupStorage} from "./RollupStorage.sol";
import "../common/Errors.sol";

/// @title RollupGovernance
/// @notice Who may change a rollup contract, and how (docs/security.md). The owner is the chain's
///         TimelockController: every change (tokens, peers, operator, guardian, verifier, code) waits out a
///         delay longer than the exodus window, so users can leave before it lands. No change at all is
///         possible in exodus. The guardian may only pause deposits and commits, for a bounded time.
/// @dev Built from OpenZeppelin Contracts 5: two-step ownership, UUPS upgrades behind the owner.
abstract contract RollupGovernance is IRollup, RollupStorage, Ownable2StepUpgradeable, UUPSUpgradeable, ReentrancyGuardTransient {
    /// @notice The guardian paused deposits and commits until `until`.
    event PauseStarted(uint48 until);
    /// @notice The guardian or the owner ended the pause early.
    event PauseEnded();
    event GuardianChanged(address indexed guardian);
    event MinDepositChanged(uint16 indexed tokenId, uint128 amount);

    /// @dev The implementation itself is never initialized: only proxies hold state.
    constructor(RollupParams memory params) RollupStorage(params) {
        _disableInitializers();
    }

    /// @dev The native coin's decimals: 18 on every EVM chain.
    function _initNativeDecimals() internal {
        tokenDecimals[nativeTokenId] = 18;
    }

    function __RollupGovernance_init(address governor, address operator_, address guardian_) internal onlyInitializing {
        if (operator_ == address(0) || guardian_ == address(0)) revert ZeroAddress();
        __Ownable_init(governor);
        operator = operator_;
        guardian = guardian_;
        _initNativeDecimals();
    }

    // ---------------------------------------------------------------- the owner's changes (timelocked)

    /// @notice Map L2 token `tokenId` (1..) to the local ERC-20 `token`, once, with the decimals the L2 token
    ///         has on every chain: the token must report the same (`TokenDecimalsMismatch`), so one L2 unit
    ///         is one base unit everywhere. `token` must hold code: a call to an address without code
    ///         succeeds, so a "token" there would take deposits that move nothing. Not this chain's native
    ///         coin's id. Not in exodus (nor any other change): the owner cannot re-point where exits pay.
    function registerToken(uint16 tokenId, address token, uint8 decimals) external onlyOwner whenNotExodus {
        if (token == address(0)) revert ZeroAddress();
        if (tokenId == 0 || tokenId == nativeTokenId || tokenAddress[tokenId] != address(0) || tokenIdOf[token] != 0) {
            revert TokenAlreadyRegistered(tokenId, token);
        }
        if (token.code.length == 0) revert TokenHasNoCode(tokenId, token);
        (bool ok, bytes memory data) = token.staticcall(abi.encodeWithSignature("decimals()"));
        // An answer that is not a uint8 counts as none (truncating it could make 262 pass for 6).
        uint256 answer = ok && data.length == 32 ? uint256(bytes32(data)) : type(uint8).max;
        uint8 actual = answer > type(uint8).max ? type(uint8).max : uint8(answer);
        if (actual != decimals) revert TokenDecimalsMismatch(tokenId, decimals, actual);
        tokenAddress[tokenId] = token;
        tokenIdOf[token] = tokenId;
        tokenDecimals[tokenId] = decimals;
        emit TokenRegistered(tokenId, token);
    }

    /// @notice Not in exodus: exodus removes the operator for good.
    function setOperator(address operator_) external onlyOwner whenNotExodus {
        if (operator_ == address(0)) revert ZeroAddress();
        operator = operator_;
        emit OperatorChanged(operator_);
    }

    /// @notice Register the rollup contract of rollup chain `chainId` on EVM chain `evmChainId`.
    function setPeer(uint8 chainId, uint256 evmChainId, address rollup) external onlyOwner whenNotExodus {
        if (rollup == address(0)) revert ZeroAddress();
        peers[chainId] = Peer(evmChainId, rollup);
        emit PeerSet(chainId, evmChainId, rollup);
    }

    /// @notice The smallest deposit of `tokenId` this chain takes (in its base units).
    function setMinDeposit(uint16 tokenId, uint128 amount) external onlyOwner whenNotExodus {
        minDeposit[tokenId] = amount;
        emit MinDepositChanged(tokenId, amount);
    }

    function setGuardian(address guardian_) external onlyOwner whenNotExodus {
        if (guardian_ == address(0)) revert ZeroAddress();
        guardian = guardian_;
        emit GuardianChanged(guardian_);
    }

    /// @dev A new implementation, only through the owner's delay, never in exodus (exits must run on the
    ///      code users saw when they chose to leave).
    function _authorizeUpgrade(address) internal view virtual override onlyOwner whenNotExodus {}

    // ---------------------------------------------------------------- the guardian's pause

    /// @notice Refuse deposits and commits for `pauseSeconds`. Exits, exodus, refunds, execution and
    ///         pending-balance payouts go on. After a pause, the next may start only as long after its end
    ///         as it lasted, so the guardian holds the chain at most half the time.
    function pause() external {
        if (msg.sender != guardian) revert Unauthorized(guardian, msg.sender);
        uint256 availableAt = uint256(pausedUntil) + pauseSeconds;
        if (block.timestamp < availableAt) revert PauseCoolingDown(availableAt, block.timestamp);
        uint48 until = uint48(block.timestamp + pauseSeconds);
        pausedUntil = until;
        emit PauseStarted(until);
    }

    /// @notice End the pause now (the guardian, or the owner through its delay).
    function unpause() external {
        if (msg.sender != guardian && msg.sender != owner()) revert Unauthorized(guardian, msg.sender);
        if (block.timestamp < pausedUntil) pausedUntil = uint48(block.timestamp);
        emit PauseEnded();
    }
}
