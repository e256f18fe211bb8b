// SPDX-License-Identifier: MIT
// A stand-in for USDC in the x402 tests (issue 22): an ERC-20 with 6
// decimals and EIP-3009 transferWithAuthorization, which is what the
// x402 "exact" scheme on EVM networks settles with.  Written from the
// EIP-3009 and EIP-712 texts; no imports.
//
// Test token: anyone may mint.  There is no constructor state at all:
// the EIP-712 domain {name "USDC", version "2", chainId, this address}
// is computed on every call from constants, block.chainid and
// address(this), so the runtime code works unchanged when anvil_setCode
// copies it to another address (a well-known USDC address, say).
pragma solidity ^0.8.0;

contract TestUSDC {
    string public constant name = "USDC";
    string public constant symbol = "USDC";
    string public constant version = "2";
    uint8 public constant decimals = 6;

    bytes32 public constant EIP712_DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)");

    // secp256k1n / 2: a larger s is the malleable twin (EIP-2).
    uint256 private constant HALF_N =
        0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => mapping(bytes32 => bool)) private usedNonce;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);

    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return keccak256(abi.encode(EIP712_DOMAIN_TYPEHASH,
            keccak256(bytes(name)), keccak256(bytes(version)),
            block.chainid, address(this)));
    }

    // true once the nonce has been used by a transferWithAuthorization.
    function authorizationState(address authorizer, bytes32 nonce)
        external view returns (bool)
    {
        return usedNonce[authorizer][nonce];
    }

    function mint(address to, uint256 amount) external {
        require(to != address(0), "TestUSDC: mint to the zero address");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount)
        external returns (bool)
    {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "TestUSDC: insufficient allowance");
            allowance[from][msg.sender] = allowed - amount;
        }
        _move(from, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    // EIP-3009 with the signature as v, r, s (what USDC has had since v2).
    function transferWithAuthorization(address from, address to,
        uint256 value, uint256 validAfter, uint256 validBefore,
        bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external
    {
        bytes32 digest = _authorize(from, to, value, validAfter,
            validBefore, nonce);
        require(_recover(digest, v, r, s) == from,
            "TestUSDC: invalid signature");
        _settle(from, to, value, nonce);
    }

    // The same with the signature as bytes (USDC v2.2): 65 bytes r, s, v
    // from an EOA, or anything an ERC-1271 wallet at `from` accepts.
    function transferWithAuthorization(address from, address to,
        uint256 value, uint256 validAfter, uint256 validBefore,
        bytes32 nonce, bytes memory signature) external
    {
        bytes32 digest = _authorize(from, to, value, validAfter,
            validBefore, nonce);
        require(_signedBy(from, digest, signature),
            "TestUSDC: invalid signature");
        _settle(from, to, value, nonce);
    }

    function _authorize(address from, address to, uint256 value,
        uint256 validAfter, uint256 validBefore, bytes32 nonce)
        private view returns (bytes32)
    {
        require(block.timestamp > validAfter,
            "TestUSDC: authorization is not yet valid");
        require(block.timestamp < validBefore,
            "TestUSDC: authorization is expired");
        require(!usedNonce[from][nonce],
            "TestUSDC: authorization is used");
        bytes32 structHash = keccak256(abi.encode(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value,
            validAfter, validBefore, nonce));
        return keccak256(abi.encodePacked(hex"1901", DOMAIN_SEPARATOR(),
            structHash));
    }

    function _settle(address from, address to, uint256 value, bytes32 nonce)
        private
    {
        usedNonce[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
        _move(from, to, value);
    }

    function _recover(bytes32 digest, uint8 v, bytes32 r, bytes32 s)
        private pure returns (address)
    {
        require(uint256(s) <= HALF_N, "TestUSDC: invalid signature s");
        require(v == 27 || v == 28, "TestUSDC: invalid signature v");
        address signer = ecrecover(digest, v, r, s);
        require(signer != address(0), "TestUSDC: invalid signature");
        return signer;
    }

    function _signedBy(address from, bytes32 digest, bytes memory signature)
        private view returns (bool)
    {
        if (from.code.length > 0) {
            (bool ok, bytes memory ret) = from.staticcall(abi.encodeWithSelector(
                ERC1271_MAGIC, digest, signature));
            return ok && ret.length >= 32 &&
                abi.decode(ret, (bytes32)) == bytes32(ERC1271_MAGIC);
        }
        require(signature.length == 65, "TestUSDC: invalid signature length");
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(signature, 32))
            s := mload(add(signature, 64))
            v := byte(0, mload(add(signature, 96)))
        }
        return _recover(digest, v, r, s) == from;
    }

    function _move(address from, address to, uint256 amount) private {
        require(to != address(0), "TestUSDC: transfer to the zero address");
        uint256 have = balanceOf[from];
        require(have >= amount, "TestUSDC: insufficient balance");
        unchecked {
            balanceOf[from] = have - amount;
            balanceOf[to] += amount;
        }
        emit Transfer(from, to, amount);
    }
}
