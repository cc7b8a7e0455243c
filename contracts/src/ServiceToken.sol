// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/// @title Smart Layer service token
/// @notice What issuers pay rent in (and, once payment channels exist,
/// integrations pay for calls with).
contract ServiceToken is ERC20, ERC20Burnable {
    constructor(address holder, uint256 supply) ERC20("Smart Layer Service", "SLT") {
        _mint(holder, supply);
    }
}
