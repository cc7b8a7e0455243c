// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Epochs} from "./Epochs.sol";

/// @title Token types and their rent
/// @notice An issuer registers a token type: its bundle hash and rent, paid
/// in the service token, `rentPerEpoch` an epoch. A type is active through
/// the epochs its rent paid for and dormant after; paying reactivates it.
/// The issuer may point the type at a new bundle. Bundles are looked up by
/// issuer and hash (`typeOfBundle(issuer, bundle)`): anyone may register any
/// hash under their own address, but only the issuer's own registration
/// names the issuer, so copying a hash from the mempool takes nothing from
/// the issuer. Only whole epochs are charged.
contract TokenTypes {
    using SafeERC20 for IERC20;

    struct TokenType {
        address issuer;
        bytes32 bundle;
        uint64 paidUntil; // first epoch not paid for
        string name;
    }

    IERC20 public immutable serviceToken;
    Epochs public immutable epochs;
    uint256 public immutable rentPerEpoch;
    uint256 public constant MAX_NAME = 64;

    mapping(bytes32 => TokenType) private types;
    mapping(address => mapping(bytes32 => bytes32)) public typeOfBundle; // issuer, bundle hash -> type id

    event TypeRegistered(bytes32 indexed id, address indexed issuer, string name, bytes32 bundle, uint64 paidUntil);
    event RentPaid(bytes32 indexed id, address indexed payer, uint256 amount, uint64 paidUntil);
    event BundleUpdated(bytes32 indexed id, bytes32 oldBundle, bytes32 newBundle);

    error NameInvalid();
    error TypeExists(bytes32 id);
    error UnknownType(bytes32 id);
    error NotIssuer(address caller);
    error BundleTaken(bytes32 bundle, bytes32 id);
    error RentTooSmall(uint256 amount, uint256 perEpoch);
    error ZeroRent();

    constructor(IERC20 token, Epochs epochsContract, uint256 perEpoch) {
        if (perEpoch == 0) revert ZeroRent();
        serviceToken = token;
        epochs = epochsContract;
        rentPerEpoch = perEpoch;
    }

    /// @notice A type's ID: its issuer and name.
    function typeId(address issuer, string memory name) public pure returns (bytes32) {
        return keccak256(abi.encode(issuer, name));
    }

    /// @notice Registers the caller's type `name` with `bundle` and `rent` paid.
    function register(string calldata name, bytes32 bundle, uint256 rent) external returns (bytes32 id) {
        if (bytes(name).length == 0 || bytes(name).length > MAX_NAME) revert NameInvalid();
        id = typeId(msg.sender, name);
        if (types[id].issuer != address(0)) revert TypeExists(id);
        if (typeOfBundle[msg.sender][bundle] != bytes32(0)) revert BundleTaken(bundle, typeOfBundle[msg.sender][bundle]);
        (uint64 n, uint256 charged) = _epochs(rent);
        uint64 until = epochs.current() + n;
        types[id] = TokenType({issuer: msg.sender, bundle: bundle, paidUntil: until, name: name});
        typeOfBundle[msg.sender][bundle] = id;
        serviceToken.safeTransferFrom(msg.sender, address(this), charged);
        emit TypeRegistered(id, msg.sender, name, bundle, until);
    }

    /// @notice Pays rent for a type (anyone may); a dormant type pays from now.
    function payRent(bytes32 id, uint256 amount) external {
        TokenType storage t = types[id];
        if (t.issuer == address(0)) revert UnknownType(id);
        (uint64 n, uint256 charged) = _epochs(amount);
        uint64 now_ = epochs.current();
        uint64 from = t.paidUntil > now_ ? t.paidUntil : now_;
        t.paidUntil = from + n;
        serviceToken.safeTransferFrom(msg.sender, address(this), charged);
        emit RentPaid(id, msg.sender, charged, t.paidUntil);
    }

    /// @dev The whole epochs an amount pays for, and what they cost.
    function _epochs(uint256 amount) private view returns (uint64 n, uint256 charged) {
        if (amount < rentPerEpoch) revert RentTooSmall(amount, rentPerEpoch);
        n = SafeCast.toUint64(amount / rentPerEpoch);
        charged = uint256(n) * rentPerEpoch;
    }

    /// @notice Points a type at a new bundle (its issuer only).
    function updateBundle(bytes32 id, bytes32 bundle) external {
        TokenType storage t = types[id];
        if (t.issuer == address(0)) revert UnknownType(id);
        if (t.issuer != msg.sender) revert NotIssuer(msg.sender);
        if (typeOfBundle[msg.sender][bundle] != bytes32(0)) revert BundleTaken(bundle, typeOfBundle[msg.sender][bundle]);
        bytes32 old = t.bundle;
        delete typeOfBundle[msg.sender][old];
        t.bundle = bundle;
        typeOfBundle[msg.sender][bundle] = id;
        emit BundleUpdated(id, old, bundle);
    }

    function typeOf(bytes32 id) external view returns (TokenType memory) {
        return types[id];
    }

    /// @notice Whether a type's rent covers the current epoch.
    function active(bytes32 id) public view returns (bool) {
        TokenType storage t = types[id];
        return t.issuer != address(0) && epochs.current() < t.paidUntil;
    }
}
