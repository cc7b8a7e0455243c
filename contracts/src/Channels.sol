// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Registry} from "./Registry.sol";

/// @title Payment channels in the service token
/// @notice An integration (the payer) opens a channel to an anchor with a
/// deposit of service tokens. For every call it signs an EIP-712 promise
/// `Promise(channel, cumulativeAmount, nonce)`: the total it owes so far, so
/// only the highest promise matters and a replayed one pays nothing.
///
/// Money moves in three steps. `cash` takes the highest promise's amount
/// from the deposit into the channel's pot (anyone may submit the payer's
/// promise; it only ever raises what is cashed). `distribute` pays the pot
/// out as the anchor attests (its EIP-712 `Distribution` signature over the
/// served-call counts of the nodes that served, itself included): a
/// `burnShare` in basis points is burnt, the rest split by the counts
/// (rounding dust is burnt too); each distribution names the amount it
/// starts from, so they are paid in the order the anchor signed them.
/// Unspent deposit goes back to the payer in two steps: `startWithdrawal`
/// announces an amount, which nodes stop counting on at once; after the
/// challenge window, in which the anchor may still cash promises,
/// `withdraw` pays out what of it is still not cashed.
///
/// A channel closes cooperatively at once, with the payer's and the
/// anchor's `Close(channel, finalAmount)` signatures; or unilaterally: the
/// payer starts the close, the anchor may cash a higher promise during the
/// challenge window, and after it anyone finishes the close, which refunds
/// the payer what was not cashed. The pot can be distributed after close.
contract Channels is EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;

    struct Channel {
        address payer;
        address anchor;
        uint256 deposit; // held for the channel: deposited, less withdrawn and refunded
        uint256 cashed; // taken from the deposit by the highest promise cashed
        uint256 distributed; // of cashed, paid out or burnt
        uint256 withdrawn; // returned to the payer while open
        uint256 withdrawing; // announced by startWithdrawal, not yet paid
        uint64 withdrawAt; // when withdraw may pay it
        uint64 nonce; // the nonce of the highest promise cashed
        uint64 closesAt; // end of a unilateral close's challenge window; 0 while open
        bool closed;
    }

    IERC20 public immutable token;
    Registry public immutable registry;
    uint16 public immutable burnShare; // basis points of every payout burnt
    uint64 public immutable challengeWindow; // seconds

    /// @notice A distribution names at most this many nodes.
    uint256 public constant MAX_PAYEES = 64;

    bytes32 public constant PROMISE_TYPEHASH = keccak256("Promise(uint256 channel,uint256 cumulativeAmount,uint64 nonce)");
    bytes32 public constant CLOSE_TYPEHASH = keccak256("Close(uint256 channel,uint256 finalAmount)");
    bytes32 public constant DISTRIBUTION_TYPEHASH =
        keccak256("Distribution(uint256 channel,uint256 from,uint256 upTo,address[] nodes,uint256[] counts)");

    uint256 public nextChannel = 1;
    mapping(uint256 => Channel) private channels;

    event Opened(uint256 indexed channel, address indexed payer, address indexed anchor, uint256 deposit);
    event ToppedUp(uint256 indexed channel, uint256 amount, uint256 deposit);
    event Cashed(uint256 indexed channel, uint256 cumulativeAmount, uint64 nonce, uint256 amount);
    event WithdrawalStarted(uint256 indexed channel, uint256 amount, uint64 at);
    event Withdrawn(uint256 indexed channel, uint256 amount, uint256 deposit);
    event CloseStarted(uint256 indexed channel, uint64 closesAt);
    event Closed(uint256 indexed channel, uint256 cashed, uint256 refund);
    event Distributed(uint256 indexed channel, uint256 upTo, uint256 burnt, address[] nodes, uint256[] amounts);

    error BadShare(uint256 share);
    error ZeroWindow();
    error ZeroAmount();
    error NotAnchor(address anchor);
    error UnknownChannel(uint256 channel);
    error NotPayer(address caller);
    error ChannelClosed(uint256 channel);
    error ChannelClosing(uint256 channel, uint64 closesAt);
    error WindowOver(uint256 channel, uint64 closesAt);
    error WindowOpen(uint256 channel, uint64 closesAt);
    error NotClosing(uint256 channel);
    error BadSigner(address signer, address want);
    error StalePromise(uint256 cumulativeAmount, uint256 cashed);
    error Overdrawn(uint256 amount, uint256 deposit);
    error NothingToDistribute(uint256 upTo, uint256 distributed, uint256 cashed);
    error OutOfOrder(uint256 from, uint256 distributed);
    error NotWithdrawing(uint256 channel);
    error BadPayees();

    constructor(IERC20 serviceToken, Registry nodeRegistry, uint16 burnBasisPoints, uint64 windowSeconds)
        EIP712("Smart Layer Channels", "1")
    {
        if (burnBasisPoints > 10_000) revert BadShare(burnBasisPoints);
        if (windowSeconds == 0) revert ZeroWindow();
        token = serviceToken;
        registry = nodeRegistry;
        burnShare = burnBasisPoints;
        challengeWindow = windowSeconds;
    }

    /// @notice Opens a channel from the caller to an admitted anchor with
    /// `amount` deposited (approved to this contract beforehand).
    function open(address anchor, uint256 amount) external nonReentrant returns (uint256 id) {
        if (amount == 0) revert ZeroAmount();
        if (!registry.admitted(anchor, Registry.Role.Anchor)) revert NotAnchor(anchor);
        id = nextChannel++;
        Channel storage c = channels[id];
        c.payer = msg.sender;
        c.anchor = anchor;
        c.deposit = amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Opened(id, msg.sender, anchor, amount);
    }

    /// @notice Adds to an open channel's deposit (its payer only).
    function topUp(uint256 id, uint256 amount) external nonReentrant {
        Channel storage c = _open(id);
        if (msg.sender != c.payer) revert NotPayer(msg.sender);
        if (amount == 0) revert ZeroAmount();
        c.deposit += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit ToppedUp(id, amount, c.deposit);
    }

    /// @notice Cashes the payer's promise: what it owes beyond what was
    /// cashed moves from the deposit to the pot, at most the deposit. Anyone
    /// may submit it, until a close's challenge window is over.
    function cash(uint256 id, uint256 cumulativeAmount, uint64 nonce, bytes calldata payerSignature) external {
        Channel storage c = _known(id);
        if (c.closed) revert ChannelClosed(id);
        if (c.closesAt != 0 && block.timestamp >= c.closesAt) revert WindowOver(id, c.closesAt);
        _signedBy(promiseDigest(id, cumulativeAmount, nonce), payerSignature, c.payer);
        if (cumulativeAmount <= c.cashed) revert StalePromise(cumulativeAmount, c.cashed);
        uint256 upTo = cumulativeAmount < c.deposit ? cumulativeAmount : c.deposit;
        if (upTo <= c.cashed) revert Overdrawn(cumulativeAmount, c.deposit);
        uint256 amount = upTo - c.cashed;
        c.cashed = upTo;
        c.nonce = nonce;
        emit Cashed(id, upTo, nonce, amount);
    }

    /// @notice Announces that the payer will take `amount` of the unspent
    /// deposit back (its payer only, while open): nodes stop counting on
    /// it at once, and `withdraw` pays it after the challenge window. A new
    /// announcement replaces the last and restarts the window.
    function startWithdrawal(uint256 id, uint256 amount) external {
        Channel storage c = _open(id);
        if (msg.sender != c.payer) revert NotPayer(msg.sender);
        if (amount == 0) revert ZeroAmount();
        if (amount > c.deposit - c.cashed) revert Overdrawn(amount, c.deposit - c.cashed);
        c.withdrawing = amount;
        c.withdrawAt = uint64(block.timestamp) + challengeWindow;
        emit WithdrawalStarted(id, amount, c.withdrawAt);
    }

    /// @notice Pays the announced withdrawal, as much of it as is still
    /// not cashed, once its window is over (its payer only, while open).
    function withdraw(uint256 id) external nonReentrant {
        Channel storage c = _open(id);
        if (msg.sender != c.payer) revert NotPayer(msg.sender);
        if (c.withdrawing == 0) revert NotWithdrawing(id);
        if (block.timestamp < c.withdrawAt) revert WindowOpen(id, c.withdrawAt);
        uint256 unspent = c.deposit - c.cashed;
        uint256 amount = c.withdrawing < unspent ? c.withdrawing : unspent;
        c.withdrawing = 0;
        c.withdrawAt = 0;
        c.withdrawn += amount;
        c.deposit -= amount;
        if (amount > 0) token.safeTransfer(c.payer, amount);
        emit Withdrawn(id, amount, c.deposit);
    }

    /// @notice Closes at once at `finalAmount`, which both parties signed;
    /// anyone may submit. The payer gets back the rest of the deposit.
    function closeCooperative(uint256 id, uint256 finalAmount, bytes calldata payerSignature, bytes calldata anchorSignature)
        external
        nonReentrant
    {
        Channel storage c = _known(id);
        if (c.closed) revert ChannelClosed(id);
        bytes32 d = closeDigest(id, finalAmount);
        _signedBy(d, payerSignature, c.payer);
        _signedBy(d, anchorSignature, c.anchor);
        if (finalAmount < c.cashed) revert StalePromise(finalAmount, c.cashed);
        if (finalAmount > c.deposit) revert Overdrawn(finalAmount, c.deposit);
        if (finalAmount > c.cashed) {
            emit Cashed(id, finalAmount, c.nonce, finalAmount - c.cashed);
            c.cashed = finalAmount;
        }
        _close(c, id);
    }

    /// @notice Starts a unilateral close (the payer only): after the
    /// challenge window, in which the anchor may still cash a higher
    /// promise, `finishClose` refunds what was not cashed.
    function startClose(uint256 id) external {
        Channel storage c = _open(id);
        if (msg.sender != c.payer) revert NotPayer(msg.sender);
        c.closesAt = uint64(block.timestamp) + challengeWindow;
        emit CloseStarted(id, c.closesAt);
    }

    /// @notice Finishes a unilateral close once its window is over (anyone).
    function finishClose(uint256 id) external nonReentrant {
        Channel storage c = _known(id);
        if (c.closed) revert ChannelClosed(id);
        if (c.closesAt == 0) revert NotClosing(id);
        if (block.timestamp < c.closesAt) revert WindowOpen(id, c.closesAt);
        _close(c, id);
    }

    /// @notice Pays out what was cashed from `from` (what was paid out
    /// before) up to `upTo`: `burnShare` of it is burnt, the rest split
    /// among `nodes` by their served-call `counts`, as the anchor signed.
    /// Anyone may submit.
    function distribute(
        uint256 id,
        uint256 from,
        uint256 upTo,
        address[] calldata nodes,
        uint256[] calldata counts,
        bytes calldata anchorSignature
    ) external nonReentrant {
        Channel storage c = _known(id);
        if (from != c.distributed) revert OutOfOrder(from, c.distributed);
        if (upTo <= c.distributed || upTo > c.cashed) revert NothingToDistribute(upTo, c.distributed, c.cashed);
        if (nodes.length == 0 || nodes.length > MAX_PAYEES || nodes.length != counts.length) revert BadPayees();
        _signedBy(distributionDigest(id, from, upTo, nodes, counts), anchorSignature, c.anchor);
        uint256 amount = upTo - c.distributed;
        c.distributed = upTo;
        (uint256 burnt, uint256[] memory paid) = _split(amount, nodes, counts);
        emit Distributed(id, upTo, burnt, nodes, paid);
    }

    /// @dev Burns burnShare of amount and pays the rest to nodes by counts
    /// (rounding dust burnt too); returns what it burnt and paid each.
    function _split(uint256 amount, address[] calldata nodes, uint256[] calldata counts)
        private
        returns (uint256 burnt, uint256[] memory paid)
    {
        uint256 total;
        for (uint256 i = 0; i < counts.length; i++) {
            if (nodes[i] == address(0)) revert BadPayees();
            total += counts[i];
        }
        if (total == 0) revert BadPayees();
        burnt = (amount * burnShare) / 10_000;
        uint256 rest = amount - burnt;
        paid = new uint256[](nodes.length);
        uint256 sum;
        for (uint256 i = 0; i < nodes.length; i++) {
            paid[i] = (rest * counts[i]) / total;
            sum += paid[i];
        }
        burnt += rest - sum;
        if (burnt > 0) ERC20Burnable(address(token)).burn(burnt);
        for (uint256 i = 0; i < nodes.length; i++) {
            if (paid[i] > 0) token.safeTransfer(nodes[i], paid[i]);
        }
    }

    function channelOf(uint256 id) external view returns (Channel memory) {
        return channels[id];
    }

    function promiseDigest(uint256 id, uint256 cumulativeAmount, uint64 nonce) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PROMISE_TYPEHASH, id, cumulativeAmount, nonce)));
    }

    function closeDigest(uint256 id, uint256 finalAmount) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CLOSE_TYPEHASH, id, finalAmount)));
    }

    function distributionDigest(uint256 id, uint256 from, uint256 upTo, address[] calldata nodes, uint256[] calldata counts)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    DISTRIBUTION_TYPEHASH,
                    id,
                    from,
                    upTo,
                    keccak256(abi.encodePacked(nodes)),
                    keccak256(abi.encodePacked(counts))
                )
            )
        );
    }

    function _close(Channel storage c, uint256 id) private {
        uint256 refund = c.deposit - c.cashed;
        c.closed = true;
        c.deposit = c.cashed;
        if (refund > 0) token.safeTransfer(c.payer, refund);
        emit Closed(id, c.cashed, refund);
    }

    function _known(uint256 id) private view returns (Channel storage c) {
        c = channels[id];
        if (c.payer == address(0)) revert UnknownChannel(id);
    }

    function _open(uint256 id) private view returns (Channel storage c) {
        c = _known(id);
        if (c.closed) revert ChannelClosed(id);
        if (c.closesAt != 0) revert ChannelClosing(id, c.closesAt);
    }

    function _signedBy(bytes32 digest, bytes calldata signature, address want) private pure {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError || signer != want) revert BadSigner(signer, want);
    }
}
