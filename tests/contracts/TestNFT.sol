// SPDX-License-Identifier: MIT
// A minimal ERC-721 for the daemon's NFT tests (anvil).  Self-contained:
// no imports.  The deployer mints; safeTransferFrom checks a receiving
// contract's onERC721Received; supportsInterface says ERC-165, ERC-721
// and its metadata extension.
pragma solidity ^0.8.0;

interface IERC721Receiver {
    function onERC721Received(address, address, uint256, bytes calldata)
        external returns (bytes4);
}

contract TestNFT {
    string public constant name = "Test NFT";
    string public constant symbol = "TNFT";
    address public immutable minter;

    mapping(uint256 => address) private owners;
    mapping(address => uint256) public balanceOf;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event Transfer(address indexed from, address indexed to, uint256 indexed id);
    event Approval(address indexed owner, address indexed spender, uint256 indexed id);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    constructor() {
        minter = msg.sender;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x01ffc9a7 || id == 0x80ac58cd || id == 0x5b5e139f;
    }

    function ownerOf(uint256 id) public view returns (address o) {
        o = owners[id];
        require(o != address(0), "TestNFT: no such token");
    }

    function tokenURI(uint256 id) external view returns (string memory) {
        ownerOf(id);
        return string(abi.encodePacked("https://nft.example/", _dec(id)));
    }

    function mint(address to, uint256 id) external {
        require(msg.sender == minter, "TestNFT: caller is not the minter");
        require(to != address(0), "TestNFT: mint to the zero address");
        require(owners[id] == address(0), "TestNFT: token exists");
        owners[id] = to;
        balanceOf[to] += 1;
        emit Transfer(address(0), to, id);
    }

    function approve(address spender, uint256 id) external {
        address o = ownerOf(id);
        require(msg.sender == o || isApprovedForAll[o][msg.sender], "TestNFT: not allowed");
        getApproved[id] = spender;
        emit Approval(o, spender, id);
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 id) public {
        require(ownerOf(id) == from, "TestNFT: from is not the owner");
        require(to != address(0), "TestNFT: transfer to the zero address");
        require(msg.sender == from || getApproved[id] == msg.sender ||
            isApprovedForAll[from][msg.sender], "TestNFT: not allowed");
        delete getApproved[id];
        balanceOf[from] -= 1;
        balanceOf[to] += 1;
        owners[id] = to;
        emit Transfer(from, to, id);
    }

    function safeTransferFrom(address from, address to, uint256 id) external {
        safeTransferFrom(from, to, id, "");
    }

    function safeTransferFrom(address from, address to, uint256 id, bytes memory data) public {
        transferFrom(from, to, id);
        if (to.code.length > 0)
            require(IERC721Receiver(to).onERC721Received(msg.sender, from, id, data) ==
                IERC721Receiver.onERC721Received.selector, "TestNFT: receiver refused");
    }

    function _dec(uint256 v) private pure returns (string memory) {
        if (v == 0)
            return "0";
        uint256 n;
        for (uint256 t = v; t != 0; t /= 10)
            n++;
        bytes memory b = new bytes(n);
        for (; v != 0; v /= 10)
            b[--n] = bytes1(uint8(48 + v % 10));
        return string(b);
    }
}
