// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Epochs and their seeds
/// @notice An epoch is `length` blocks from `genesis`. The seed of an epoch is
/// taken from the beacon randomness (prevrandao) of the first block, at or
/// after the epoch's boundary, in which anyone calls `advance`: it is not
/// known before the epoch starts. Whoever calls first (or a block builder)
/// can still choose among a few blocks' randomness, so nodes should count
/// only registrations from before the seed (Registry's `since`). Epoch 0's
/// seed is the deploying block's randomness.
contract Epochs {
    uint64 public immutable genesis;
    uint64 public immutable length;
    mapping(uint64 => bytes32) private seeds;
    uint64 public lastSeeded;

    event EpochSeeded(uint64 indexed epoch, bytes32 seed, uint256 blockNumber);

    error ZeroLength();
    error NotSeeded(uint64 epoch);

    constructor(uint64 epochLength) {
        if (epochLength == 0) revert ZeroLength();
        genesis = uint64(block.number);
        length = epochLength;
        _seed(0);
    }

    /// @notice The epoch of the current block.
    function current() public view returns (uint64) {
        return (uint64(block.number) - genesis) / length;
    }

    /// @notice Records the current epoch's seed if it has none yet; returns it.
    function advance() external returns (bytes32) {
        uint64 e = current();
        if (e > lastSeeded) {
            _seed(e);
        }
        return seeds[lastSeeded];
    }

    /// @notice The seed of a seeded epoch.
    function seedOf(uint64 epoch) external view returns (bytes32) {
        bytes32 s = seeds[epoch];
        if (s == bytes32(0)) revert NotSeeded(epoch);
        return s;
    }

    function _seed(uint64 e) private {
        bytes32 s = keccak256(abi.encode(block.prevrandao, e, address(this)));
        seeds[e] = s;
        lastSeeded = e;
        emit EpochSeeded(e, s, block.number);
    }
}
