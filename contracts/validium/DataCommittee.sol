// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IDataCommittee} from "../interfaces/IDataCommittee.sol";
import "../common/Errors.sol";

/// @title DataCommittee
/// @notice The members and threshold of a Validium deployment's data-availability committee, and the check
///         of their signatures (after Polygon CDK's PolygonDataCommittee: members keep a block's data and
///         serve it by hash; the rollup accepts a block only with M of their signatures over it).
/// @dev Signers must come in strictly ascending order, which rules out a duplicate in one comparison per
///      signature. Owned by the deployment's timelock (two-step ownership).
contract DataCommittee is IDataCommittee, Ownable2Step {
    /// @notice Committee members may number at most this (the count byte of a commit's signatures).
    uint256 public constant MAX_MEMBERS = 255;

    address[] private _members;
    mapping(address member => bool) public isMember;
    /// @notice Signatures a block needs (M of N).
    uint256 public threshold;

    constructor(address owner_, address[] memory members, uint256 threshold_) Ownable(owner_) {
        _setCommittee(members, threshold_);
    }

    /// @inheritdoc IDataCommittee
    function setCommittee(address[] calldata members, uint256 threshold_) external onlyOwner {
        _setCommittee(members, threshold_);
    }

    /// @inheritdoc IDataCommittee
    function committee() external view returns (address[] memory, uint256) {
        return (_members, threshold);
    }

    /// @inheritdoc IDataCommittee
    function verifySignatures(bytes32 digest, bytes calldata signatures) external view {
        if (signatures.length == 0) revert TooFewSignatures(threshold, 0);
        uint256 count = uint8(signatures[0]);
        if (signatures.length != 1 + 65 * count) revert SignaturesLength(1 + 65 * count, signatures.length);
        if (count < threshold) revert TooFewSignatures(threshold, count);
        bytes32 signed = MessageHashUtils.toEthSignedMessageHash(digest);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            bytes calldata signature = signatures[1 + 65 * i:66 + 65 * i];
            (address signer, ECDSA.RecoverError failure,) = ECDSA.tryRecover(
                signed, uint8(signature[64]), bytes32(signature[0:32]), bytes32(signature[32:64])
            );
            if (failure != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            if (signer <= previous) revert SignersNotAscending(previous, signer);
            if (!isMember[signer]) revert NotACommitteeMember(signer);
            previous = signer;
        }
    }

    function _setCommittee(address[] memory members, uint256 threshold_) private {
        if (members.length == 0 || members.length > MAX_MEMBERS) revert CommitteeSize(MAX_MEMBERS, members.length);
        if (threshold_ == 0 || threshold_ > members.length) revert InvalidThreshold(members.length, threshold_);
        for (uint256 i = 0; i < _members.length; ++i) {
            delete isMember[_members[i]];
        }
        address previous = address(0);
        for (uint256 i = 0; i < members.length; ++i) {
            if (members[i] <= previous) revert SignersNotAscending(previous, members[i]);
            isMember[members[i]] = true;
            previous = members[i];
        }
        _members = members;
        threshold = threshold_;
        emit CommitteeSet(members, threshold_);
    }
}
