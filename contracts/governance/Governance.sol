// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @dev The audited parts every deployment is governed and upgraded through (docs/security.md): a
///      TimelockController per chain owns each rollup and messenger, which sit behind ERC-1967 proxies.
///      Imported here so the project compiles them with the same settings.
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
