// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Epochs and their seeds
/// @notice An epoch is `length` blocks from `genesis`. The seed of an epoch is
/// taken from the beacon randomness (prevrandao) of the first block, at or
/// after the epoch's boundary, in which the advancer (the Registry, which
/// takes the epoch's anchor set in the same transaction) advances: it is not
/// known before the epoch starts. Whoever calls the registry first (or a
/// block builder) can still choose among a few blocks' randomness; the
/// anchor set is fixed with the seed, so registering after it does not
/// count until the next epoch. Epoch 0's seed is the deploying block's
/// randomness.
contract Epochs {
    uint64 public immutable genesis;
    uint64 public immutable length;
    address public immutable advancer;
    mapping(uint64 => bytes32) private seeds;
    uint64 public lastSeeded;

    event EpochSeeded(uint64 indexed epoch, bytes32 seed, uint256 blockNumber);

    error ZeroLength();
    error NotSeeded(uint64 epoch);
    error NotAdvancer(address caller);

    constructor(uint64 epochLength, address advancer_) {
        if (epochLength == 0) revert ZeroLength();
        genesis = uint64(block.number);
        length = epochLength;
        advancer = advancer_;
        _seed(0);
    }

    /// @notice The epoch of the current block.
    function current() public view returns (uint64) {
        return (uint64(block.number) - genesis) / length;
    }

    /// @notice Records the current epoch's seed if it has none yet; returns it.
    /// Only the advancer may.
    function advance() external returns (bytes32) {
        if (msg.sender != advancer) revert NotAdvancer(msg.sender);
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
