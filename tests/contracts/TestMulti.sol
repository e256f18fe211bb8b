// SPDX-License-Identifier: MIT
// A minimal ERC-1155 for the daemon's NFT tests (anvil).  Self-contained:
// no imports.  The deployer mints; safeTransferFrom checks a receiving
// contract's onERC1155Received; uri has the standard's {id} placeholder.
pragma solidity ^0.8.0;

interface IERC1155Receiver {
    function onERC1155Received(address, address, uint256, uint256, bytes calldata)
        external returns (bytes4);
}

contract TestMulti {
    address public immutable minter;

    mapping(uint256 => mapping(address => uint256)) private balances;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event TransferSingle(address indexed operator, address indexed from,
        address indexed to, uint256 id, uint256 value);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    constructor() {
        minter = msg.sender;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x01ffc9a7 || id == 0xd9b67a26 || id == 0x0e89341c;
    }

    // The standard's order (account, id): selector 0x00fdd58e.
    function balanceOf(address account, uint256 id) external view returns (uint256) {
        return balances[id][account];
    }

    function uri(uint256) external pure returns (string memory) {
        return "https://multi.example/{id}.json";
    }

    function mint(address to, uint256 id, uint256 amount) external {
        require(msg.sender == minter, "TestMulti: caller is not the minter");
        require(to != address(0), "TestMulti: mint to the zero address");
        balances[id][to] += amount;
        emit TransferSingle(msg.sender, address(0), to, id, amount);
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 amount,
        bytes calldata data) external {
        require(msg.sender == from || isApprovedForAll[from][msg.sender], "TestMulti: not allowed");
        require(to != address(0), "TestMulti: transfer to the zero address");
        require(balances[id][from] >= amount, "TestMulti: insufficient balance");
        balances[id][from] -= amount;
        balances[id][to] += amount;
        emit TransferSingle(msg.sender, from, to, id, amount);
        if (to.code.length > 0)
            require(IERC1155Receiver(to).onERC1155Received(msg.sender, from, id, amount, data) ==
                IERC1155Receiver.onERC1155Received.selector, "TestMulti: receiver refused");
    }
}
