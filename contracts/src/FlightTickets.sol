// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Flight tickets as ERC-721 tokens
/// @notice The airline's flight tickets on chain, the twin of its ticket
/// attestations: the token ID of a ticket is its attestation's UID, which
/// is also the Smart Layer instance ID, so the network finds the instance
/// of every Transfer. The holder (`ownerOf`) is who may sign grants for the
/// ticket's instance; the airline (the owner) issues tickets and publishes
/// flight statuses, which reach every ticket of the flight as inputs, in
/// the chain's order, like the airline's flight-status attestations.
contract FlightTickets is ERC721, Ownable {
    /// @notice A flight's status changed. Its fields are those of the
    /// network's flight-status schema, in its order, so the event's data
    /// is that schema's encoding.
    event FlightStatus(string flight, string date, uint32 delayMinutes, string status);

    uint256 public constant MAX_FIELD = 64;

    error FieldTooLong(uint256 length);

    constructor(address airline) ERC721("Smart Layer flight ticket", "SLFT") Ownable(airline) {}

    /// @notice Issues the ticket whose attestation UID is `uid` to `holder`.
    function issue(address holder, bytes32 uid) external onlyOwner {
        _safeMint(holder, uint256(uid));
    }

    /// @notice Publishes the status of `flight` on `date`.
    function setStatus(string calldata flight, string calldata date, uint32 delayMinutes, string calldata status)
        external
        onlyOwner
    {
        if (bytes(flight).length > MAX_FIELD) revert FieldTooLong(bytes(flight).length);
        if (bytes(date).length > MAX_FIELD) revert FieldTooLong(bytes(date).length);
        if (bytes(status).length > MAX_FIELD) revert FieldTooLong(bytes(status).length);
        emit FlightStatus(flight, date, delayMinutes, status);
    }
}
