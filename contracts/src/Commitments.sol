// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Registry} from "./Registry.sol";

/// @title Periodic commitments of key token operations
/// @notice Time is cut into periods of `period` seconds from `genesis`.
/// After a period ends, one anchor of the current epoch's set writes the
/// Merkle root of the period's key token operations (action results,
/// failure attestations, registrations: leaves keccak256(keccak256(uid)),
/// pairs hashed sorted, as OpenZeppelin's MerkleProof checks), their count
/// and a bitmap of which instances changed (bit keccak256(instance) mod the
/// bitmap's bits; kept as its hash, the bits in the event).
///
/// Who writes is a rotation from the seed of the registry's last started
/// epoch (the beacon's randomness when the epoch started: no anchor picks
/// its turns): the period's on-duty anchor is set[keccak256(seed, period)
/// mod n]; each
/// `grace` seconds after the period's end one more anchor of the rotation
/// (the next in the set) may write it too, so a period the on-duty anchor
/// misses is written by the next. A period is written once.
contract Commitments {
    struct Commitment {
        bytes32 root;
        bytes32 bitmapHash;
        uint32 count;
        uint64 epoch;
        address anchor;
        bool written;
    }

    Registry public immutable registry;
    uint64 public immutable genesis;
    uint64 public immutable period;
    uint64 public immutable grace;

    /// @notice A bitmap holds at most this many bytes.
    uint256 public constant MAX_BITMAP = 1024;

    mapping(uint64 => Commitment) private commitments;

    event Committed(uint64 indexed period, bytes32 root, uint32 count, bytes bitmap, address indexed anchor, uint64 epoch);

    error ZeroPeriod();
    error PeriodNotOver(uint64 period, uint64 current);
    error AlreadyCommitted(uint64 period);
    error NotOnDuty(address caller, address onDuty);
    error BitmapTooLong(uint256 length);
    error NoAnchors();

    constructor(Registry nodeRegistry, uint64 periodSeconds, uint64 graceSeconds) {
        if (periodSeconds == 0 || graceSeconds == 0) revert ZeroPeriod();
        registry = nodeRegistry;
        genesis = uint64(block.timestamp);
        period = periodSeconds;
        grace = graceSeconds;
    }

    /// @notice The period the chain's time is in.
    function currentPeriod() public view returns (uint64) {
        return (uint64(block.timestamp) - genesis) / period;
    }

    /// @notice When period p ends.
    function periodEnd(uint64 p) public view returns (uint64) {
        return genesis + (p + 1) * period;
    }

    /// @notice The order in which the anchors of the registry's last started
    /// epoch may write period p: the on-duty anchor first.
    function rotation(uint64 p) public view returns (address[] memory order, uint64 epoch) {
        epoch = registry.lastEpoch();
        (bytes32 seed, address[] memory set,,) = registry.epochAnchors(epoch);
        uint256 n = set.length;
        if (n == 0) revert NoAnchors();
        uint256 start = uint256(keccak256(abi.encode(seed, p))) % n;
        order = new address[](n);
        for (uint256 j = 0; j < n; j++) {
            order[j] = set[(start + j) % n];
        }
    }

    /// @notice Writes period p's commitment: the caller must be the on-duty
    /// anchor, or one of those after it whose turn has come.
    function commit(uint64 p, bytes32 root, uint32 count, bytes calldata bitmap) external {
        uint64 cur = currentPeriod();
        if (p >= cur) revert PeriodNotOver(p, cur);
        if (commitments[p].written) revert AlreadyCommitted(p);
        if (bitmap.length > MAX_BITMAP) revert BitmapTooLong(bitmap.length);
        (address[] memory order, uint64 epoch) = rotation(p);
        uint256 turns = (uint64(block.timestamp) - periodEnd(p)) / grace;
        bool mine;
        for (uint256 j = 0; j <= turns && j < order.length; j++) {
            if (order[j] == msg.sender) {
                mine = true;
                break;
            }
        }
        if (!mine) revert NotOnDuty(msg.sender, order[0]);
        commitments[p] = Commitment({
            root: root, bitmapHash: keccak256(bitmap), count: count, epoch: epoch, anchor: msg.sender, written: true
        });
        emit Committed(p, root, count, bitmap, msg.sender, epoch);
    }

    function commitmentOf(uint64 p) external view returns (Commitment memory) {
        return commitments[p];
    }

    /// @notice Whether the operation uid is in period p's commitment by
    /// proof (its leaf is keccak256(keccak256(uid)), made here: a caller
    /// cannot pass an inner node of the tree as a leaf).
    function verify(uint64 p, bytes32 uid, bytes32[] calldata proof) external view returns (bool) {
        Commitment storage c = commitments[p];
        bytes32 leaf = keccak256(abi.encode(keccak256(abi.encode(uid))));
        return c.written && c.count > 0 && MerkleProof.verifyCalldata(proof, c.root, leaf);
    }
}
