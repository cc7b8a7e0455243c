// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Epochs and their seeds
/// @notice An epoch is `length` blocks from `genesis`. Its seed is given by
/// the advancer (the Registry), which fixes the epoch's anchor set first and
/// seeds it a few blocks later from that block's beacon randomness
/// (prevrandao), unknown when the set was fixed: no one can stake into a set
/// against a seed they know. An epoch no one started has no seed.
contract Epochs {
    uint64 public immutable genesis;
    uint64 public immutable length;
    address public immutable advancer;
    mapping(uint64 => bytes32) private seeds;
    uint64 public lastSeeded; // meaningful once seedOf(lastSeeded) answers

    event EpochSeeded(uint64 indexed epoch, bytes32 seed, uint256 blockNumber);

    error ZeroLength();
    error NotSeeded(uint64 epoch);
    error NotAdvancer(address caller);
    error NoRandomness();

    constructor(uint64 epochLength, address advancer_) {
        if (epochLength == 0) revert ZeroLength();
        genesis = uint64(block.number);
        length = epochLength;
        advancer = advancer_;
    }

    /// @notice The epoch of the current block.
    function current() public view returns (uint64) {
        return (uint64(block.number) - genesis) / length;
    }

    /// @notice Seeds the current epoch from `randomness` if it has no seed
    /// yet; returns its seed. Only the advancer may.
    function advance(bytes32 randomness) external returns (bytes32) {
        if (msg.sender != advancer) revert NotAdvancer(msg.sender);
        if (randomness == bytes32(0)) revert NoRandomness();
        uint64 e = current();
        if (seeds[e] == bytes32(0)) {
            bytes32 s = keccak256(abi.encode(randomness, e, address(this)));
            seeds[e] = s;
            lastSeeded = e;
            emit EpochSeeded(e, s, block.number);
        }
        return seeds[e];
    }

    /// @notice The seed of a seeded epoch.
    function seedOf(uint64 epoch) external view returns (bytes32) {
        bytes32 s = seeds[epoch];
        if (s == bytes32(0)) revert NotSeeded(epoch);
        return s;
    }
}
