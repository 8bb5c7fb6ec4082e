// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {IMessenger, IMessageReceiver} from "../interfaces/IMessenger.sol";
import "../common/Errors.sol";

/// @notice What the messenger reads from its rollup (RollupStorage.exodusActive).
interface IExodusFlag {
    function exodusActive() external view returns (bool);
}

/// @title AttestedMessenger
/// @notice Devnet messenger: a message is delivered when M of N validators attested it with ECDSA over a
///         domain-separated digest of (source, destination, nonce, sender, recipient, payload hash).
/// @dev The relayer that submits `deliver` is untrusted: it can only carry what validators signed. Each
///      (source, nonce) is delivered once, only on its destination chain. The owner (the chain's
///      TimelockController) manages validators and upgrades, behind its delay and never once the local
///      rollup is in exodus (docs/security.md). It runs behind an ERC-1967 proxy: upgrades append state only.
contract AttestedMessenger is IMessenger, Ownable2StepUpgradeable, UUPSUpgradeable, EIP712Upgradeable {
    /// @notice The EIP-712 type of an attested message. The domain (name "AttestedMessenger", version "1",
    ///         this chain's id, this messenger's address) binds each attestation to the one messenger that
    ///         delivers it: a signature for another deployment's messenger is worth nothing here.
    bytes32 public constant MESSAGE_TYPEHASH = keccak256(
        "Message(uint256 sourceChainId,uint256 destinationChainId,uint64 nonce,"
        "address sender,address recipient,bytes32 payloadHash)"
    );
    /// @notice Gas a delivery gives its recipient at most. The recipient is always this chain's rollup,
    ///         whose heaviest message (an exodus notice on the primary, which tells up to 7 secondaries)
    ///         takes about 400k; the cap bounds what a relayer can be made to pay in any case.
    uint256 public constant DELIVERY_GAS = 1_000_000;
    /// @dev secp256k1n / 2: signatures with a larger s are the malleable twin of a valid one.
    uint256 private constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    uint64 public nextNonce;
    uint256 public threshold;
    address[] private validatorList;
    mapping(address validator => bool) public isValidator;
    /// @dev One bit per (source, nonce), 256 nonces per word: nonces are sequential, so a delivery
    ///      usually flips a bit in a word already written (~5k gas) instead of filling a fresh slot (~22k).
    mapping(uint256 sourceChainId => mapping(uint256 word => uint256 bits)) private deliveredBits;
    /// @notice This chain's rollup contract: once it is in exodus, validators and code are frozen, so that
    ///         nobody can forge the exodus messages and exit payouts that users then depend on.
    address public rollup;

    event ValidatorSetChanged(address[] validators, uint256 threshold);

    /// @dev The implementation itself is never initialized: only proxies hold state.
    constructor() {
        _disableInitializers();
    }

    /// @notice Set up a new proxy, owned by `governor` (the chain's TimelockController). Once only.
    function initialize(address[] calldata validators_, uint256 threshold_, address governor, address rollup_)
        external
        initializer
    {
        if (rollup_ == address(0)) revert ZeroAddress();
        __Ownable_init(governor);
        __EIP712_init("AttestedMessenger", "1");
        rollup = rollup_;
        _setValidators(validators_, threshold_);
    }

    /// @dev Frozen in exodus: read from the rollup, which never leaves it.
    modifier whenRollupNotInExodus() {
        if (IExodusFlag(rollup).exodusActive()) revert ExodusActive();
        _;
    }

    /// @inheritdoc IMessenger
    /// @dev Only this chain's rollup sends: the relayer pays every delivery, so nobody else may queue one
    ///      (docs/security.md).
    function send(uint256 destinationChainId, address recipient, bytes calldata payload) external returns (uint64 nonce) {
        if (msg.sender != rollup) revert Unauthorized(rollup, msg.sender);
        if (recipient == address(0)) revert ZeroAddress();
        nonce = nextNonce++;
        emit MessageSent(nonce, destinationChainId, msg.sender, recipient, payload);
    }

    /// @inheritdoc IMessenger
    function delivered(uint256 sourceChainId, uint64 nonce) external view returns (bool) {
        return deliveredBits[sourceChainId][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice The digest validators sign for `message` (EIP-712, this messenger's domain).
    function digest(Message calldata message) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(
            abi.encode(
                MESSAGE_TYPEHASH,
                message.sourceChainId,
                message.destinationChainId,
                message.nonce,
                message.sender,
                message.recipient,
                keccak256(message.payload)
            )
        ));
    }

    /// @notice Deliver `message` to its recipient with validator signatures (65 bytes r||s||v each),
    ///         ordered by ascending signer address. Anyone may call; the attestations are what count.
    function deliver(Message calldata message, bytes[] calldata signatures) external {
        if (!_deliver(message, signatures)) revert AlreadyDelivered(message.sourceChainId, message.nonce);
    }

    /// @notice Deliver several messages in one transaction, each with its own signatures, in order. One
    ///         already delivered is skipped (a race with another relayer costs nothing); any other failure
    ///         reverts them all, and the relayer falls back to delivering one by one.
    /// @dev The batch pays the transaction's base cost and the cold reads of validators, threshold and
    ///      recipient once: the sync reports of every secondary reach the primary together.
    function deliverBatch(Message[] calldata messages, bytes[][] calldata signatures)
        external
        returns (uint256 count)
    {
        if (signatures.length != messages.length) revert BatchLength(messages.length, signatures.length);
        for (uint256 i = 0; i < messages.length; ++i) {
            if (_deliver(messages[i], signatures[i])) ++count;
        }
    }

    /// @dev False, and nothing done, when the message was delivered before.
    function _deliver(Message calldata message, bytes[] calldata signatures) private returns (bool) {
        if (message.destinationChainId != block.chainid) {
            revert WrongDestination(block.chainid, message.destinationChainId);
        }
        // Messages go from rollup to rollup only: nothing else is ever run at a relayer's expense.
        if (message.recipient != rollup) revert Unauthorized(rollup, message.recipient);
        uint256 word = message.nonce >> 8;
        uint256 bit = 1 << (message.nonce & 0xff);
        uint256 bits = deliveredBits[message.sourceChainId][word];
        if (bits & bit != 0) return false;
        if (signatures.length < threshold) revert NotEnoughAttestations(threshold, signatures.length);
        bytes32 hash = digest(message);
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = _recover(hash, signatures[i], i);
            if (signer <= previous) revert SignersNotAscending(previous, signer);
            if (!isValidator[signer]) revert UnknownValidator(signer);
            previous = signer;
        }
        // Effects before the call: a re-entrant delivery of the same message finds it delivered.
        deliveredBits[message.sourceChainId][word] = bits | bit;
        emit MessageDelivered(message.sourceChainId, message.nonce, message.recipient);
        IMessageReceiver(message.recipient).receiveMessage{gas: DELIVERY_GAS}(
            message.sourceChainId, message.sender, message.payload
        );
        return true;
    }

    /// @notice Replace the validator set and threshold (the owner, through its delay; never in exodus).
    function setValidators(address[] calldata validators_, uint256 threshold_)
        external
        onlyOwner
        whenRollupNotInExodus
    {
        _setValidators(validators_, threshold_);
    }

    function validators() external view returns (address[] memory) {
        return validatorList;
    }

    function _authorizeUpgrade(address) internal view override onlyOwner whenRollupNotInExodus {}

    function _setValidators(address[] memory validators_, uint256 threshold_) private {
        if (validators_.length == 0 || threshold_ == 0 || threshold_ > validators_.length) {
            revert InvalidValidatorSet(validators_.length, threshold_);
        }
        for (uint256 i = 0; i < validatorList.length; ++i) {
            isValidator[validatorList[i]] = false;
        }
        for (uint256 i = 0; i < validators_.length; ++i) {
            address v = validators_[i];
            if (v == address(0) || isValidator[v]) revert InvalidValidatorSet(validators_.length, threshold_);
            isValidator[v] = true;
        }
        validatorList = validators_;
        threshold = threshold_;
        emit ValidatorSetChanged(validators_, threshold_);
    }

    function _recover(bytes32 hash, bytes calldata signature, uint256 index) private pure returns (address signer) {
        if (signature.length != 65) revert MalleableSignature(index);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > HALF_CURVE_ORDER || (v != 27 && v != 28)) revert MalleableSignature(index);
        signer = ecrecover(hash, v, r, s);
        if (signer == address(0)) revert UnknownValidator(address(0));
    }
}
