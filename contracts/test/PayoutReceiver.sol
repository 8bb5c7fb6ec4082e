// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title PayoutReceiver
/// @notice TEST-ONLY: a withdrawal receiver whose reaction to ETH the test picks, to show that one payout
///         that reverts or burns gas holds up no other payout.
contract PayoutReceiver {
    enum Mode {
        Refuse, // revert on receipt
        Accept, // take the ETH
        Burn // write 200 storage slots (~4.5M gas) on every receipt
    }

    Mode public mode;
    uint256[] private junk;

    /// @notice This receiver refuses ETH in its current mode.
    error Refused();

    constructor(Mode mode_) {
        mode = mode_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    receive() external payable {
        if (mode == Mode.Refuse) revert Refused();
        if (mode == Mode.Burn) {
            for (uint256 i = 0; i < 200; ++i) junk.push(i + 1);
        }
    }
}
