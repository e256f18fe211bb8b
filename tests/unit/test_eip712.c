/*
 * EIP-712 hashing and permit recognition.
 *
 * The valid cases and their hashes (domain separator, hashStruct of the
 * message, 0x1901 digest) are the output of tests/vectors/eip712_vectors.js,
 * pasted below: each was computed by both @metamask/eth-sig-util 8.2.0
 * (TypedDataUtils, eth_signTypedData_v4) and ethers 6.17.0
 * (TypedDataEncoder), and the script stops unless they agree.  "mail" is
 * the specification's own example, checked against its published hashes
 * and signature too.  Every refusal is one row with the reason it must
 * give; JSON in this file is written with ' for " (see load()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "eip712.h"
#include "evm_sign.h"

/* From the EIP-712 specification's example. */
#define SPEC_DOMAIN	"f2cee375fa42b42143804025fc449deaf" \
			"d50cc031ca257e0b194a650a912090f"
#define SPEC_STRUCT	"c52c0ee5d84264471806290a3f2c4cecf" \
			"c5490626bf912d01f240d7a274b371e"
#define SPEC_DIGEST	"be609aee343fb3c4b28e1df9e632fca64" \
			"fcfaede20f02e86244efddf30957bd2"

#define USDC	"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
#define DAI	"0x6B175474E89094C44Da98b954EedeAC495271d0F"
#define WETH	"0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
#define ROUTER	"0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD"
#define ROUTER_ENC "000000000000000000000000" \
		"3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad"
#define RANGE	"integer out of range for its type"
#define MAX256	"11579208923731619542357098500868790785326998466" \
		"5640564039457584007913129639935"

struct valid {
	const char	*name;
	const char	*json;
	const char	*domain;
	const char	*shash;
	const char	*digest;
};

/* NODE_PATH=... node tests/vectors/eip712_vectors.js */
static const struct valid valid[] = {
	{ "mail",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId"
	  "\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\",\"type\":"
	  "\"address\"}],\"Person\":[{\"name\":\"name\",\"type\":\"string\"},"
	  "{\"name\":\"wallet\",\"type\":\"address\"}],\"Mail\":[{\"name\":\""
	  "from\",\"type\":\"Person\"},{\"name\":\"to\",\"type\":\"Person\"},"
	  "{\"name\":\"contents\",\"type\":\"string\"}]},\"primaryType\":\"Ma"
	  "il\",\"domain\":{\"name\":\"Ether Mail\",\"version\":\"1\",\"chain"
	  "Id\":1,\"verifyingContract\":\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCc"
	  "ccccccC\"},\"message\":{\"from\":{\"name\":\"Cow\",\"wallet\":\"0x"
	  "CD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\"},\"to\":{\"name\":\"Bob"
	  "\",\"wallet\":\"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB\"},\"co"
	  "ntents\":\"Hello, Bob!\"}}",
	  "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f",
	  "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e",
	  "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2" },
	{ "arrays",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId"
	  "\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\",\"type\":"
	  "\"address\"},{\"name\":\"salt\",\"type\":\"bytes32\"}],\"Group\":["
	  "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"members\",\"ty"
	  "pe\":\"Person[]\"},{\"name\":\"leads\",\"type\":\"Person[2]\"},{\""
	  "name\":\"scores\",\"type\":\"uint8[3]\"},{\"name\":\"tags\",\"type"
	  "\":\"bytes32[]\"},{\"name\":\"flags\",\"type\":\"bool[2]\"},{\"nam"
	  "e\":\"empty\",\"type\":\"address[]\"}],\"Person\":[{\"name\":\"nam"
	  "e\",\"type\":\"string\"},{\"name\":\"wallets\",\"type\":\"address["
	  "]\"}]},\"primaryType\":\"Group\",\"domain\":{\"name\":\"Groups\","
	  "\"version\":\"2\",\"chainId\":10,\"verifyingContract\":\"0xA0b8699"
	  "1c6218b36c1d19D4a2e9Eb0cE3606eB48\",\"salt\":\"0xababababababababa"
	  "bababababababababababababababababababababababab\"},\"message\":{\""
	  "name\":\"core\",\"members\":[{\"name\":\"Alice\",\"wallets\":[\"0x"
	  "9858EfFD232B4033E47d90003D41EC34EcaEda94\",\"0x3fC91A3afd70395Cd49"
	  "6C647d5a6CC9D4B2b7FAD\"]},{\"name\":\"Bob\",\"wallets\":[]},{\"nam"
	  "e\":\"Carol\",\"wallets\":[\"0x6B175474E89094C44Da98b954EedeAC4952"
	  "71d0F\"]}],\"leads\":[{\"name\":\"Alice\",\"wallets\":[\"0x9858EfF"
	  "D232B4033E47d90003D41EC34EcaEda94\"]},{\"name\":\"Dave\",\"wallets"
	  "\":[\"0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\",\"0xA0b86991c62"
	  "18b36c1d19D4a2e9Eb0cE3606eB48\",\"0x6B175474E89094C44Da98b954EedeA"
	  "C495271d0F\"]}],\"scores\":[0,\"255\",\"0x7f\"],\"tags\":[\"0x0101"
	  "010101010101010101010101010101010101010101010101010101010101\",\"0"
	  "xfefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefe"
	  "\"],\"flags\":[true,false],\"empty\":[]}}",
	  "7bd1b35f7c36d5d126f3f9cce9d439332d926b6c946cf3cc8a8a4585b258ee2d",
	  "a87de6e9f056fac9a27179e5d324fc833f227f5d9c739318f5ebfa108325ae9d",
	  "4edd44dc595de8eea22bd1aadb3926517a639c7a48e90d4a586ec201217da855" },
	{ "negative",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"chainId\",\"type\":\"uint256\"}],\"Ints\":[{\"name"
	  "\":\"a\",\"type\":\"int8\"},{\"name\":\"b\",\"type\":\"int8\"},{\""
	  "name\":\"c\",\"type\":\"int16\"},{\"name\":\"d\",\"type\":\"int24"
	  "\"},{\"name\":\"e\",\"type\":\"int64\"},{\"name\":\"f\",\"type\":"
	  "\"int256\"},{\"name\":\"g\",\"type\":\"int256\"},{\"name\":\"h\","
	  "\"type\":\"int256\"},{\"name\":\"i\",\"type\":\"int40\"},{\"name\""
	  ":\"j\",\"type\":\"int128[]\"}]},\"primaryType\":\"Ints\",\"domain"
	  "\":{\"name\":\"Ints\",\"chainId\":1},\"message\":{\"a\":-128,\"b\""
	  ":127,\"c\":\"-1\",\"d\":\"8388607\",\"e\":\"-9223372036854775808\""
	  ",\"f\":\"-57896044618658097711785492504343953926634992332820282019"
	  "728792003956564819968\",\"g\":-1,\"h\":\"5789604461865809771178549"
	  "2504343953926634992332820282019728792003956564819967\",\"i\":\"-54"
	  "9755813888\",\"j\":[\"-170141183460469231731687303715884105728\",0"
	  ",\"-1\",42]}}",
	  "a661835d2c9e1c80959eb87558c23aa147933ea14eabc4a8c8a821b8bcd865e4",
	  "809580e58feede7755739973221b4fdafce56b0cc624cec36a85b62b003428c6",
	  "021517ccc1a830c49b42642bec26dbc99899aa32a2e3cc72d94952032c641ed1" },
	{ "bytes",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"version\",\"type\":\"string\"}],\"Blob\":[{\"name"
	  "\":\"none\",\"type\":\"bytes\"},{\"name\":\"short\",\"type\":\"byt"
	  "es\"},{\"name\":\"long\",\"type\":\"bytes\"},{\"name\":\"one\",\"t"
	  "ype\":\"bytes1\"},{\"name\":\"seven\",\"type\":\"bytes7\"},{\"name"
	  "\":\"word\",\"type\":\"bytes32\"},{\"name\":\"text\",\"type\":\"st"
	  "ring\"},{\"name\":\"blank\",\"type\":\"string\"},{\"name\":\"list"
	  "\",\"type\":\"bytes[]\"}]},\"primaryType\":\"Blob\",\"domain\":{\""
	  "name\":\"Blobs\",\"version\":\"1\"},\"message\":{\"none\":\"0x\","
	  "\"short\":\"0xDeadBeef\",\"long\":\"0x00070e151c232a31383f464d545b"
	  "626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef5fc030a11181f262d343b42"
	  "4950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b2229"
	  "30373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf4fb020910"
	  "171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2e9f0f7"
	  "fe050c13\",\"one\":\"0xff\",\"seven\":\"0x00112233445566\",\"word"
	  "\":\"0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
	  "a5a5a\",\"text\":\"h\303\251llo \342\234\223 \360\237\230\200\",\""
	  "blank\":\"\",\"list\":[\"0x\",\"0x00\",\"0x0102\"]}}",
	  "a9a4ee6d57e9b06bf8b125894143fc6c1da8960818a83881e66abde3201e101b",
	  "b67cac1a5855d5743c50780b4d06e6d1763d8fc0d89a1ba95da91cffc510ad81",
	  "d211847c7afd3b6df9bc06244b4b63edc4458adf18052184fbbd2e0facfa4d20" },
	{ "nested",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId"
	  "\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\",\"type\":"
	  "\"address\"}],\"Point\":[{\"name\":\"x\",\"type\":\"int32\"},{\"na"
	  "me\":\"y\",\"type\":\"int32\"}],\"Shape\":[{\"name\":\"grid\",\"ty"
	  "pe\":\"uint256[2][]\"},{\"name\":\"paths\",\"type\":\"Point[][2]\""
	  "},{\"name\":\"words\",\"type\":\"string[][]\"},{\"name\":\"cube\","
	  "\"type\":\"uint8[2][2][2]\"}]},\"primaryType\":\"Shape\",\"domain"
	  "\":{\"name\":\"Shapes\",\"version\":\"1\",\"chainId\":5,\"verifyin"
	  "gContract\":\"0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\"},\"mess"
	  "age\":{\"grid\":[[1,2],[\"3\",\"0x4\"],[0,0]],\"paths\":[[{\"x\":1"
	  ",\"y\":-1},{\"x\":-2147483648,\"y\":2147483647}],[]],\"words\":[["
	  "\"a\",\"b\"],[],[\"c\"]],\"cube\":[[[1,2],[3,4]],[[5,6],[7,8]]]}}",
	  "dd724443c716162035ae9330bdc74caee695e3ffc2bb9b8ef10eaeaa50fd1ac2",
	  "e6d1fd2ad1c9e47e7d2bd348f2adcc1faf51ec7f4a62480a1ad26a2f5cf609c8",
	  "eb4e5e6b3df8d60fb50f5d495fe1176f38205d6c27be20d97060d0497a152444" },
	{ "eip2612",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId"
	  "\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\",\"type\":"
	  "\"address\"}],\"Permit\":[{\"name\":\"owner\",\"type\":\"address\""
	  "},{\"name\":\"spender\",\"type\":\"address\"},{\"name\":\"value\","
	  "\"type\":\"uint256\"},{\"name\":\"nonce\",\"type\":\"uint256\"},{"
	  "\"name\":\"deadline\",\"type\":\"uint256\"}]},\"primaryType\":\"Pe"
	  "rmit\",\"domain\":{\"name\":\"USD Coin\",\"version\":\"2\",\"chain"
	  "Id\":1,\"verifyingContract\":\"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3"
	  "606eB48\"},\"message\":{\"owner\":\"0x9858EfFD232B4033E47d90003D41"
	  "EC34EcaEda94\",\"spender\":\"0x3fC91A3afd70395Cd496C647d5a6CC9D4B2"
	  "b7FAD\",\"value\":\"1000000\",\"nonce\":0,\"deadline\":\"176722560"
	  "0\"}}",
	  "06c37168a7db5138defc7866392bb87a741f9b3d104deb5094588ce041cae335",
	  "c562be3b7b766c376dab5d2d6b2d499827c96cf5b4c5d414d59ea10afc3fdbe2",
	  "588e03d0dec1b1ca13e231d084f38d71ba1537cbac7d74c1e4d12809baf454a0" },
	{ "dai",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId"
	  "\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\",\"type\":"
	  "\"address\"}],\"Permit\":[{\"name\":\"holder\",\"type\":\"address"
	  "\"},{\"name\":\"spender\",\"type\":\"address\"},{\"name\":\"nonce"
	  "\",\"type\":\"uint256\"},{\"name\":\"expiry\",\"type\":\"uint256\""
	  "},{\"name\":\"allowed\",\"type\":\"bool\"}]},\"primaryType\":\"Per"
	  "mit\",\"domain\":{\"name\":\"Dai Stablecoin\",\"version\":\"1\",\""
	  "chainId\":1,\"verifyingContract\":\"0x6B175474E89094C44Da98b954Eed"
	  "eAC495271d0F\"},\"message\":{\"holder\":\"0x9858EfFD232B4033E47d90"
	  "003D41EC34EcaEda94\",\"spender\":\"0x3fC91A3afd70395Cd496C647d5a6C"
	  "C9D4B2b7FAD\",\"nonce\":3,\"expiry\":\"1767225600\",\"allowed\":tr"
	  "ue}}",
	  "dbb8cf42e1ecb028be3f3dbc922e1d878b963f411dc388ced501601c60f7c6f7",
	  "0093a9eb7c974143828c933ee061c876046e0157a4a1c0e78d67d714e2e3a8c6",
	  "fafe11ba95b35f46a6b280fae33bfa1eba0139fd72178e8fc595f65ba1ab52c0" },
	{ "permit2_single",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":\"verify"
	  "ingContract\",\"type\":\"address\"}],\"PermitSingle\":[{\"name\":"
	  "\"details\",\"type\":\"PermitDetails\"},{\"name\":\"spender\",\"ty"
	  "pe\":\"address\"},{\"name\":\"sigDeadline\",\"type\":\"uint256\"}]"
	  ",\"PermitDetails\":[{\"name\":\"token\",\"type\":\"address\"},{\"n"
	  "ame\":\"amount\",\"type\":\"uint160\"},{\"name\":\"expiration\",\""
	  "type\":\"uint48\"},{\"name\":\"nonce\",\"type\":\"uint48\"}]},\"pr"
	  "imaryType\":\"PermitSingle\",\"domain\":{\"name\":\"Permit2\",\"ch"
	  "ainId\":1,\"verifyingContract\":\"0x000000000022D473030F116dDEE9F6"
	  "B43aC78BA3\"},\"message\":{\"details\":{\"token\":\"0xA0b86991c621"
	  "8b36c1d19D4a2e9Eb0cE3606eB48\",\"amount\":\"1461501637330902918203"
	  "684832716283019655932542975\",\"expiration\":\"281474976710655\","
	  "\"nonce\":0},\"spender\":\"0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7"
	  "FAD\",\"sigDeadline\":\"1767225600\"}}",
	  "866a5aba21966af95d6c7ab78eb2b2fc913915c28be3b9aa07cc04ff903e3f28",
	  "cbf72493d18b4f9853c2c3ecd62d8ca39cfe8e6465671af646777131d3af0838",
	  "518156a6fd1db6b3952bd3694798ba5e7848dff326bd2f897539594d37e59475" },
	{ "permit2_batch",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":\"verify"
	  "ingContract\",\"type\":\"address\"}],\"PermitBatch\":[{\"name\":\""
	  "details\",\"type\":\"PermitDetails[]\"},{\"name\":\"spender\",\"ty"
	  "pe\":\"address\"},{\"name\":\"sigDeadline\",\"type\":\"uint256\"}]"
	  ",\"PermitDetails\":[{\"name\":\"token\",\"type\":\"address\"},{\"n"
	  "ame\":\"amount\",\"type\":\"uint160\"},{\"name\":\"expiration\",\""
	  "type\":\"uint48\"},{\"name\":\"nonce\",\"type\":\"uint48\"}]},\"pr"
	  "imaryType\":\"PermitBatch\",\"domain\":{\"name\":\"Permit2\",\"cha"
	  "inId\":1,\"verifyingContract\":\"0x000000000022D473030F116dDEE9F6B"
	  "43aC78BA3\"},\"message\":{\"details\":[{\"token\":\"0xA0b86991c621"
	  "8b36c1d19D4a2e9Eb0cE3606eB48\",\"amount\":\"5000000\",\"expiration"
	  "\":\"1767225600\",\"nonce\":1},{\"token\":\"0xC02aaA39b223FE8D0A0e"
	  "5C4F27eAD9083C756Cc2\",\"amount\":\"0x0de0b6b3a7640000\",\"expirat"
	  "ion\":\"1767225600\",\"nonce\":2}],\"spender\":\"0x3fC91A3afd70395"
	  "Cd496C647d5a6CC9D4B2b7FAD\",\"sigDeadline\":\"1767225600\"}}",
	  "866a5aba21966af95d6c7ab78eb2b2fc913915c28be3b9aa07cc04ff903e3f28",
	  "ea35e0caf5df961300106f9c7b79f49f62a86634f12df723ab0805e1010c0e3d",
	  "29db5ce9d36c9df99e6a22ea28c3edb9dd4a1a6ec2f02ec17a134f8ae01a1b55" },
	{ "permit2_transfer",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":\"verify"
	  "ingContract\",\"type\":\"address\"}],\"PermitTransferFrom\":[{\"na"
	  "me\":\"permitted\",\"type\":\"TokenPermissions\"},{\"name\":\"spen"
	  "der\",\"type\":\"address\"},{\"name\":\"nonce\",\"type\":\"uint256"
	  "\"},{\"name\":\"deadline\",\"type\":\"uint256\"}],\"TokenPermissio"
	  "ns\":[{\"name\":\"token\",\"type\":\"address\"},{\"name\":\"amount"
	  "\",\"type\":\"uint256\"}]},\"primaryType\":\"PermitTransferFrom\","
	  "\"domain\":{\"name\":\"Permit2\",\"chainId\":1,\"verifyingContract"
	  "\":\"0x000000000022D473030F116dDEE9F6B43aC78BA3\"},\"message\":{\""
	  "permitted\":{\"token\":\"0x6B175474E89094C44Da98b954EedeAC495271d0"
	  "F\",\"amount\":\"25000000000000000000\"},\"spender\":\"0x3fC91A3af"
	  "d70395Cd496C647d5a6CC9D4B2b7FAD\",\"nonce\":\"77\",\"deadline\":\""
	  "1767225600\"}}",
	  "866a5aba21966af95d6c7ab78eb2b2fc913915c28be3b9aa07cc04ff903e3f28",
	  "522b8dd69a19687a32de2c5748eb71fa69d5e7e154b8b5553078d761d2a160f0",
	  "03c20ac5c01b44f5e7bdb81b91195f8edaac2333a74f939fb87a17d737daccf5" },
	{ "permit2_witness",
	  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string"
	  "\"},{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":\"verify"
	  "ingContract\",\"type\":\"address\"}],\"PermitBatchWitnessTransferF"
	  "rom\":[{\"name\":\"permitted\",\"type\":\"TokenPermissions[]\"},{"
	  "\"name\":\"spender\",\"type\":\"address\"},{\"name\":\"nonce\",\"t"
	  "ype\":\"uint256\"},{\"name\":\"deadline\",\"type\":\"uint256\"},{"
	  "\"name\":\"witness\",\"type\":\"Order\"}],\"Order\":[{\"name\":\"s"
	  "wapper\",\"type\":\"address\"},{\"name\":\"minOut\",\"type\":\"uin"
	  "t256\"}],\"TokenPermissions\":[{\"name\":\"token\",\"type\":\"addr"
	  "ess\"},{\"name\":\"amount\",\"type\":\"uint256\"}]},\"primaryType"
	  "\":\"PermitBatchWitnessTransferFrom\",\"domain\":{\"name\":\"Permi"
	  "t2\",\"chainId\":1,\"verifyingContract\":\"0x000000000022D473030F1"
	  "16dDEE9F6B43aC78BA3\"},\"message\":{\"permitted\":[{\"token\":\"0x"
	  "A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48\",\"amount\":\"1\"},{\"to"
	  "ken\":\"0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\",\"amount\":\""
	  "2\"},{\"token\":\"0x6B175474E89094C44Da98b954EedeAC495271d0F\",\"a"
	  "mount\":\"3\"}],\"spender\":\"0x3fC91A3afd70395Cd496C647d5a6CC9D4B"
	  "2b7FAD\",\"nonce\":1,\"deadline\":\"1767225600\",\"witness\":{\"sw"
	  "apper\":\"0x9858EfFD232B4033E47d90003D41EC34EcaEda94\",\"minOut\":"
	  "\"999\"}}}",
	  "866a5aba21966af95d6c7ab78eb2b2fc913915c28be3b9aa07cc04ff903e3f28",
	  "f1adbb133dfbbc73f7ed15613c0d2e97c591e405481133adef1a1fc586684a3d",
	  "a773448623eea4a7a7c593c1d5dac2b82e5899fa86f3bbfc387cb0ff74489e98" },
};
#define NVALID	(sizeof(valid) / sizeof(valid[0]))

/* The example signed by keccak256("cow"): r, s, v. */
static const char mail_sig[] =
    "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
    "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
    "1c";
static const char mail_signer[] =
    "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826";

static secp256k1_context	*ctx;

/* Parse JSON written with ' for ", refusing duplicate keys. */
static json_t *
load(const char *text)
{
	json_error_t	 err;
	json_t		*j;
	char		*s, *p;

	if ((s = strdup(text)) == NULL)
		fail_msg("strdup");
	for (p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	if ((j = json_loads(s, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &err)) == NULL)
		fail_msg("bad test JSON: %s: %s", err.text, s);
	free(s);
	return j;
}

static json_t *
load_exact(const char *text)
{
	json_error_t	 err;
	json_t		*j;

	if ((j = json_loads(text, JSON_REJECT_DUPLICATES, &err)) == NULL)
		fail_msg("bad test JSON: %s", err.text);
	return j;
}

static void
tohex(const uint8_t *b, size_t n, char *out)
{
	static const char	hx[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static void
unhex(const char *s, uint8_t *out, size_t n)
{
	unsigned int	v;
	size_t		i;

	assert_int_equal(strlen(s), 2 * n);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
digest_of(const uint8_t d[32], const uint8_t s[32], uint8_t out[32])
{
	uint8_t	buf[66];

	buf[0] = 0x19;
	buf[1] = 0x01;
	memcpy(buf + 2, d, 32);
	memcpy(buf + 34, s, 32);
	keccak256(buf, sizeof(buf), out);
}

static void
test_valid(void **state)
{
	const struct valid	*v;
	const char		*why = NULL;
	json_t			*j;
	uint8_t			 d[32], s[32], g[32];
	char			 hex[65];
	size_t			 i;

	(void)state;
	for (i = 0; i < NVALID; i++) {
		v = &valid[i];
		j = load_exact(v->json);
		if (eip712_hash(j, d, s, &why) != 0)
			fail_msg("%s: %s", v->name, why);
		tohex(d, 32, hex);
		if (strcmp(hex, v->domain) != 0)
			fail_msg("%s: domain %s", v->name, hex);
		tohex(s, 32, hex);
		if (strcmp(hex, v->shash) != 0)
			fail_msg("%s: struct %s", v->name, hex);
		digest_of(d, s, g);
		tohex(g, 32, hex);
		if (strcmp(hex, v->digest) != 0)
			fail_msg("%s: digest %s", v->name, hex);
		json_decref(j);
	}
	assert_string_equal(valid[0].name, "mail");
	assert_string_equal(valid[0].domain, SPEC_DOMAIN);
	assert_string_equal(valid[0].shash, SPEC_STRUCT);
	assert_string_equal(valid[0].digest, SPEC_DIGEST);
}

/* The signer, given these two hashes, makes the specification's signature. */
static void
test_spec_signature(void **state)
{
	const char		*why;
	json_t			*j;
	char			 addr[43];
	uint8_t			 key[32], d[32], s[32], sig[65], want[65];
	uint8_t			 a[20];

	(void)state;
	j = load_exact(valid[0].json);
	assert_int_equal(eip712_hash(j, d, s, &why), 0);
	keccak256("cow", 3, key);
	assert_int_equal(evm_address_of_seckey(ctx, key, a), 0);
	evm_address_checksum(a, addr);
	assert_string_equal(addr, mail_signer);
	assert_int_equal(evm_sign_typed(ctx, key, d, s, sig), 0);
	unhex(mail_sig, want, sizeof(want));
	assert_memory_equal(sig, want, sizeof(want));
	json_decref(j);
}

/* One field of type ty holding val: its struct hash, or -1. */
static int
one(const char *ty, const char *val, uint8_t s[32], const char **why)
{
	char	 buf[4096];
	uint8_t	 d[32];
	json_t	*j;
	int	 rv;

	snprintf(buf, sizeof(buf), "{'types':{'EIP712Domain':[],"
	    "'T':[{'name':'v','type':'%s'}]},'primaryType':'T',"
	    "'domain':{},'message':{'v':%s}}", ty, val);
	j = load(buf);
	rv = eip712_hash(j, d, s, why);
	json_decref(j);
	return rv;
}

/* What one field's value must encode to: keccak(typeHash || enc). */
static void
assert_enc(const char *ty, const char *val, const char *enc)
{
	struct keccak_ctx	 k;
	const char		*why = NULL;
	char			 decl[128];
	uint8_t			 th[32], e[32], want[32], got[32];

	if (one(ty, val, got, &why) != 0)
		fail_msg("%s %s: %s", ty, val, why);
	snprintf(decl, sizeof(decl), "T(%s v)", ty);
	keccak256(decl, strlen(decl), th);
	unhex(enc, e, 32);
	keccak256_init(&k);
	keccak256_update(&k, th, 32);
	keccak256_update(&k, e, 32);
	keccak256_final(&k, want);
	if (memcmp(got, want, 32) != 0)
		fail_msg("%s %s: wrong encoding", ty, val);
}

static void
assert_refused(const char *ty, const char *val, const char *reason)
{
	const char	*why = NULL;
	uint8_t		 s[32];

	if (one(ty, val, s, &why) != -1)
		fail_msg("%s %s: accepted", ty, val);
	if (strcmp(why, reason) != 0)
		fail_msg("%s %s: \"%s\", not \"%s\"", ty, val, why, reason);
}

#define Z48	"000000000000000000000000000000000000000000000000"
#define F48	"ffffffffffffffffffffffffffffffffffffffffffffffff"
#define Z56	Z48 "00000000"
#define F56	F48 "ffffffff"
#define Z62	Z56 "000000"
#define F62	F56 "ffffff"
#define Z64	Z56 "00000000"
#define F64	F56 "ffffffff"

/* Integers in every accepted form, two's complement, width limits. */
static void
test_integers(void **state)
{
	(void)state;
	assert_enc("uint8", "255", Z62 "ff");
	assert_enc("uint8", "'255'", Z62 "ff");
	assert_enc("uint8", "'0xff'", Z62 "ff");
	assert_enc("uint8", "'0x00fF'", Z62 "ff");
	assert_enc("uint8", "'0'", Z64);
	assert_enc("uint8", "'-0'", Z64);
	assert_enc("uint256", "'0x" F64 "'", F64);
	assert_enc("uint256", "'" MAX256 "'", F64);
	assert_enc("int8", "-1", F64);
	assert_enc("int8", "'-1'", F64);
	assert_enc("int8", "-128", F62 "80");
	assert_enc("int8", "127", Z62 "7f");
	assert_enc("int16", "-256", F56 "ffffff00");
	assert_enc("int64", "-9223372036854775808", F48 "8000000000000000");
	assert_enc("int64", "9223372036854775807", Z48 "7fffffffffffffff");
	assert_refused("int64", "'9223372036854775808'", RANGE);
	assert_enc("int256", "'-578960446186580977117854925043439539266349923"
	    "32820282019728792003956564819968'", "80" Z62);
	assert_enc("int256", "'0x7f" F62 "'", "7f" F62);
	assert_enc("uint32", "'4294967295'", Z56 "ffffffff");

	assert_refused("uint8", "256", RANGE);
	assert_refused("uint8", "'0x100'", RANGE);
	assert_refused("int8", "128", RANGE);
	assert_refused("int8", "-129", RANGE);
	assert_refused("int16", "'-32769'", RANGE);
	assert_refused("uint256", "'0x1" Z64 "'", "bad integer");
	assert_refused("uint256", "'115792089237316195423570985008687907853269"
	    "984665640564039457584007913129639936'", "bad integer");
	assert_refused("int256", "'0x8" Z62 "0'", RANGE);
	assert_refused("int256", "'-578960446186580977117854925043439539266349"
	    "92332820282019728792003956564819969'", RANGE);
	assert_refused("uint8", "-1", "negative unsigned integer");
	assert_refused("int8", "'-0x1'", "bad integer");
	assert_refused("uint8", "1.0", "bad integer");
	assert_refused("uint8", "''", "bad integer");
	assert_refused("uint8", "'0x'", "bad integer");
	assert_refused("uint8", "' 1'", "bad integer");
	assert_refused("uint8", "'+1'", "bad integer");
	assert_refused("uint8", "'1e2'", "bad integer");
	assert_refused("uint8", "'0X1'", "bad integer");
	assert_refused("uint8", "true", "bad integer");
	assert_refused("uint8", "null", "bad integer");
}

/* Atoms other than integers. */
static void
test_atoms(void **state)
{
	uint8_t	h[32];
	char	hex[65];

	(void)state;
	assert_enc("bool", "true", Z62 "01");
	assert_enc("bool", "false", Z64);
	assert_enc("address", "'" ROUTER "'", ROUTER_ENC);
	assert_enc("address", "'0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad'",
	    ROUTER_ENC);
	assert_enc("bytes1", "'0xAb'", "ab" Z62);
	assert_enc("bytes4", "'0xdeadbeef'", "deadbeef" Z56);
	keccak256("", 0, h);
	tohex(h, 32, hex);
	assert_enc("bytes", "'0x'", hex);
	assert_enc("string", "''", hex);
	keccak256("\xde\xad", 2, h);
	tohex(h, 32, hex);
	assert_enc("bytes", "'0xdEAd'", hex);
	keccak256("a\0b", 3, h);
	tohex(h, 32, hex);
	assert_enc("string", "'a\\u0000b'", hex);

	assert_refused("bool", "1", "bool is not true or false");
	assert_refused("bool", "'true'", "bool is not true or false");
	/* mixed case, one letter off the checksum */
	assert_refused("address",
	    "'0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAd'", "bad address");
	assert_refused("address", "'0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7f'",
	    "bad address");
	assert_refused("address", "'3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad'",
	    "bad address");
	assert_refused("address", "1", "bad address");
	assert_refused("bytes", "'0xzz'", "bytes is not 0x hex");
	assert_refused("bytes", "'0x123'", "bytes is not 0x hex");
	assert_refused("bytes", "'1234'", "bytes is not 0x hex");
	assert_refused("bytes", "'0X12'", "bytes is not 0x hex");
	assert_refused("bytes", "[]", "bytes is not 0x hex");
	assert_refused("bytes4", "'0xdeadbe'", "wrong length for bytesN");
	assert_refused("bytes4", "'0xdeadbeef00'", "wrong length for bytesN");
	assert_refused("bytes4", "'0xdeadbeeg'", "bytesN is not 0x hex");
	assert_refused("string", "1", "string value is not a string");
	assert_refused("string", "null", "string value is not a string");
}

struct refusal {
	const char	*name;
	const char	*json;
	const char	*why;
};

/* {'types':{'EIP712Domain':[],TYPES},'primaryType':'T','domain':{},
 * 'message':MSG} */
#define TD(types, msg)	"{'types':{'EIP712Domain':[]," types "}," \
			"'primaryType':'T','domain':{},'message':" msg "}"
#define F(n, t)		"{'name':'" n "','type':'" t "'}"
#define L20		"abcdefghijklmnopqrst"

static const struct refusal refusals[] = {
	{ "not an object", "[]", "typed data is not an object" },
	{ "no message",
	  "{'types':{'EIP712Domain':[],'T':[]},'primaryType':'T','domain':{}}",
	  "typed data is not {types, primaryType, domain, message}" },
	{ "extra top-level key",
	  "{'types':{'EIP712Domain':[],'T':[]},'primaryType':'T','domain':{},"
	  "'message':{},'extra':1}",
	  "typed data is not {types, primaryType, domain, message}" },
	{ "types not an object",
	  "{'types':[],'primaryType':'T','domain':{},'message':{}}",
	  "types is not an object" },
	{ "no EIP712Domain",
	  "{'types':{'T':[]},'primaryType':'T','domain':{},'message':{}}",
	  "types lack EIP712Domain" },
	{ "primaryType undeclared", TD("'U':[]", "{}"),
	  "primaryType is not a declared type" },
	{ "primaryType not a string",
	  "{'types':{'EIP712Domain':[],'T':[]},'primaryType':1,'domain':{},"
	  "'message':{}}", "primaryType is not a declared type" },
	{ "primaryType EIP712Domain",
	  "{'types':{'EIP712Domain':[]},'primaryType':'EIP712Domain',"
	  "'domain':{},'message':{}}", "primaryType is EIP712Domain" },
	{ "unknown type", TD("'T':[" F("a", "Foo") "]", "{'a':{}}"),
	  "unknown type" },
	{ "unknown type, unused", TD("'T':[],'U':[" F("a", "Foo") "]", "{}"),
	  "unknown type" },
	{ "uint7", TD("'T':[" F("a", "uint7") "]", "{'a':1}"),
	  "unknown type" },
	{ "uint264", TD("'T':[" F("a", "uint264") "]", "{'a':1}"),
	  "unknown type" },
	{ "uint0", TD("'T':[" F("a", "uint0") "]", "{'a':1}"),
	  "unknown type" },
	{ "uint08", TD("'T':[" F("a", "uint08") "]", "{'a':1}"),
	  "unknown type" },
	{ "uint alone", TD("'T':[" F("a", "uint") "]", "{'a':1}"),
	  "unknown type" },
	{ "int alone", TD("'T':[" F("a", "int") "]", "{'a':1}"),
	  "unknown type" },
	{ "bytes0", TD("'T':[" F("a", "bytes0") "]", "{'a':'0x'}"),
	  "unknown type" },
	{ "bytes33", TD("'T':[" F("a", "bytes33") "]", "{'a':'0x'}"),
	  "unknown type" },
	{ "fixed", TD("'T':[" F("a", "fixed128x18") "]", "{'a':1}"),
	  "unknown type" },
	{ "function", TD("'T':[" F("a", "function") "]", "{'a':1}"),
	  "unknown type" },
	{ "empty type", TD("'T':[" F("a", "") "]", "{'a':1}"),
	  "bad field type" },
	{ "space in type", TD("'T':[" F("a", "uint8 ") "]", "{'a':1}"),
	  "bad field type" },
	{ "type text too long", TD("'T':[" F("a", "uint8" L20 L20 L20 L20
	  "[]") "]", "{'a':1}"), "bad field type" },
	{ "field name too long", TD("'T':[" F("a" L20 L20 L20 "abcd",
	  "uint8") "]", "{'a':1}"), "bad field name" },
	{ "type name too long", TD("'T':[],'A" L20 L20 L20 "abcd':[]", "{}"),
	  "bad type name" },
	{ "cycle of two",
	  TD("'T':[" F("a", "A") "],'A':[" F("b", "B") "],'B':[" F("a", "A")
	  "]", "{'a':{}}"), "a type refers to itself" },
	{ "cycle through an array",
	  TD("'T':[" F("kids", "T[]") "]", "{'kids':[]}"),
	  "a type refers to itself" },
	{ "cycle in an unused type",
	  TD("'T':[],'A':[" F("a", "A[2]") "]", "{}"),
	  "a type refers to itself" },
	{ "missing message field",
	  TD("'T':[" F("a", "uint8") "," F("b", "uint8") "]", "{'a':1}"),
	  "missing field in a struct value" },
	{ "extra message field",
	  TD("'T':[" F("a", "uint8") "]", "{'a':1,'b':2}"),
	  "extra field in a struct value" },
	{ "renamed message field",
	  TD("'T':[" F("a", "uint8") "]", "{'A':1}"),
	  "missing field in a struct value" },
	{ "missing field in a nested struct",
	  TD("'T':[" F("p", "P") "],'P':[" F("x", "uint8") "]", "{'p':{}}"),
	  "missing field in a struct value" },
	{ "missing domain field",
	  "{'types':{'EIP712Domain':[" F("name", "string") "],'T':[]},"
	  "'primaryType':'T','domain':{},'message':{}}",
	  "missing field in a struct value" },
	{ "extra domain field",
	  "{'types':{'EIP712Domain':[" F("name", "string") "],'T':[]},"
	  "'primaryType':'T','domain':{'name':'x','chainId':1},"
	  "'message':{}}", "extra field in a struct value" },
	{ "non-standard domain field",
	  "{'types':{'EIP712Domain':[" F("owner", "address") "],'T':[]},"
	  "'primaryType':'T','domain':{'owner':'" ROUTER "'},'message':{}}",
	  "EIP712Domain has a non-standard field" },
	{ "domain field of another type",
	  "{'types':{'EIP712Domain':[" F("chainId", "string") "],'T':[]},"
	  "'primaryType':'T','domain':{'chainId':'1'},'message':{}}",
	  "EIP712Domain has a non-standard field" },
	{ "domain not an object",
	  "{'types':{'EIP712Domain':[],'T':[]},'primaryType':'T',"
	  "'domain':[],'message':{}}", "struct value is not an object" },
	{ "duplicate field name",
	  TD("'T':[" F("a", "uint8") "," F("a", "uint16") "]", "{'a':1}"),
	  "duplicate field name" },
	{ "duplicate field name, unused type",
	  TD("'T':[],'U':[" F("a", "uint8") "," F("a", "uint8") "]", "{}"),
	  "duplicate field name" },
	{ "bad field name", TD("'T':[" F("a b", "uint8") "]", "{'a b':1}"),
	  "bad field name" },
	{ "field name with a digit first",
	  TD("'T':[" F("1a", "uint8") "]", "{'1a':1}"), "bad field name" },
	{ "field with an extra key",
	  TD("'T':[{'name':'a','type':'uint8','x':1}]", "{'a':1}"),
	  "a field is not {name, type}" },
	{ "field without a type",
	  TD("'T':[{'name':'a'}]", "{'a':1}"), "a field is not {name, type}" },
	{ "type not an array", TD("'T':{}", "{}"),
	  "a type is not an array of fields" },
	{ "bad type name", TD("'T':[],'A B':[]", "{}"), "bad type name" },
	{ "struct named like an atom", TD("'T':[],'uint256':[]", "{}"),
	  "a struct takes an atomic type's name" },
	{ "struct named like a bad atom", TD("'T':[],'bytes99':[]", "{}"),
	  "a struct takes an atomic type's name" },
	{ "struct value not an object",
	  TD("'T':[" F("p", "P") "],'P':[]", "{'p':[]}"),
	  "struct value is not an object" },
	{ "array value not an array",
	  TD("'T':[" F("a", "uint8[]") "]", "{'a':1}"),
	  "array value is not an array" },
	{ "fixed array too short",
	  TD("'T':[" F("a", "uint8[3]") "]", "{'a':[1,2]}"),
	  "wrong length for a fixed array" },
	{ "fixed array too long",
	  TD("'T':[" F("a", "uint8[1]") "]", "{'a':[1,2]}"),
	  "wrong length for a fixed array" },
	{ "inner fixed array wrong",
	  TD("'T':[" F("a", "uint8[2][]") "]", "{'a':[[1,2],[3]]}"),
	  "wrong length for a fixed array" },
	{ "fixed array length over the limit",
	  TD("'T':[" F("a", "uint8[257]") "]", "{'a':[]}"),
	  "fixed array too long" },
	{ "fixed array of zero", TD("'T':[" F("a", "uint8[0]") "]",
	  "{'a':[]}"), "bad fixed array length" },
	{ "fixed array length with a leading zero",
	  TD("'T':[" F("a", "uint8[01]") "]", "{'a':[1]}"),
	  "bad fixed array length" },
	{ "unclosed array", TD("'T':[" F("a", "uint8[") "]", "{'a':[]}"),
	  "bad array type" },
	{ "junk after an array", TD("'T':[" F("a", "uint8[]x") "]",
	  "{'a':[]}"), "bad array type" },
	{ "junk between dimensions", TD("'T':[" F("a", "uint8[]x[]") "]",
	  "{'a':[]}"), "bad array type" },
	{ "negative array length", TD("'T':[" F("a", "uint8[-1]") "]",
	  "{'a':[]}"), "bad array type" },
	{ "too many dimensions",
	  TD("'T':[" F("a", "uint8[][][][][]") "]", "{'a':[]}"),
	  "too many array dimensions" },
	{ "non-hex bytes", TD("'T':[" F("a", "bytes") "]", "{'a':'0xgg'}"),
	  "bytes is not 0x hex" },
	{ "wrong bytesN length",
	  TD("'T':[" F("a", "bytes32") "]", "{'a':'0x00'}"),
	  "wrong length for bytesN" },
	{ "uint8 of 256", TD("'T':[" F("a", "uint8") "]", "{'a':256}"),
	  "integer out of range for its type" },
	{ "bad value in an array",
	  TD("'T':[" F("a", "int8[]") "]", "{'a':[1,-129]}"),
	  "integer out of range for its type" },
	{ "structs nested too deep",
	  TD("'T':[" F("a", "A") "],'A':[" F("a", "B") "],'B':[" F("a", "C")
	  "],'C':[" F("a", "D") "],'D':[" F("a", "E") "],'E':[" F("a", "F")
	  "],'F':[" F("a", "G") "],'G':[" F("a", "H") "],'H':[]",
	  "{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{}}}}}}}}}"),
	  "structs nested too deep" },
};
#define NREFUSALS	(sizeof(refusals) / sizeof(refusals[0]))

static void
test_refusals(void **state)
{
	const struct refusal	*r;
	struct eip712_permit	 p;
	const char		*why;
	json_t			*j;
	uint8_t			 d[32], s[32];
	size_t			 i;

	(void)state;
	for (i = 0; i < NREFUSALS; i++) {
		r = &refusals[i];
		j = load(r->json);
		why = NULL;
		if (eip712_hash(j, d, s, &why) != -1)
			fail_msg("%s: accepted", r->name);
		if (why == NULL || strcmp(why, r->why) != 0)
			fail_msg("%s: \"%s\", not \"%s\"", r->name,
			    why ? why : "(null)", r->why);
		why = NULL;
		if (eip712_permit(j, &p, &why) != -1 || why == NULL)
			fail_msg("%s: permit not refused", r->name);
		json_decref(j);
	}
}

/* Depth 8 is allowed: one less than the refusal above. */
static void
test_depth_edge(void **state)
{
	const char	*why;
	json_t		*j;
	uint8_t		 d[32], s[32];

	(void)state;
	j = load(TD("'T':[" F("a", "A") "],'A':[" F("a", "B") "],'B':["
	    F("a", "C") "],'C':[" F("a", "D") "],'D':[" F("a", "E") "],'E':["
	    F("a", "F") "],'F':[" F("a", "G") "],'G':[]",
	    "{'a':{'a':{'a':{'a':{'a':{'a':{'a':{}}}}}}}}"));
	if (eip712_hash(j, d, s, &why) != 0)
		fail_msg("depth 8: %s", why);
	json_decref(j);
}

/* Size limits, built rather than written out. */
static json_t *
typed_with(json_t *types, json_t *msg)
{
	json_t	*t;

	json_object_set_new(types, "EIP712Domain", json_array());
	t = json_object();
	json_object_set_new(t, "types", types);
	json_object_set_new(t, "primaryType", json_string("T"));
	json_object_set_new(t, "domain", json_object());
	json_object_set_new(t, "message", msg);
	return t;
}

static json_t *
field(const char *name, const char *type)
{
	return json_pack("{s:s, s:s}", "name", name, "type", type);
}

static void
expect(json_t *t, const char *reason)
{
	const char	*why = NULL;
	uint8_t		 d[32], s[32];
	int		 rv;

	rv = eip712_hash(t, d, s, &why);
	if (reason == NULL && rv != 0)
		fail_msg("refused: %s", why);
	if (reason != NULL && (rv != -1 || strcmp(why, reason) != 0))
		fail_msg("want \"%s\", got %d \"%s\"", reason, rv,
		    why ? why : "(null)");
	json_decref(t);
}

/* n types: T, then U1..U(n-1), unused. */
static json_t *
n_types(size_t n)
{
	json_t	*types = json_object();
	char	 name[16];
	size_t	 i;

	json_object_set_new(types, "T", json_array());
	for (i = 1; i < n; i++) {
		snprintf(name, sizeof(name), "U%zu", i);
		json_object_set_new(types, name, json_array());
	}
	return typed_with(types, json_object());
}

/* T with n uint8 fields, all set. */
static json_t *
n_fields(size_t n)
{
	json_t	*types = json_object(), *t = json_array(), *m = json_object();
	char	 name[16];
	size_t	 i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		json_array_append_new(t, field(name, "uint8"));
		json_object_set_new(m, name, json_integer((json_int_t)i));
	}
	json_object_set_new(types, "T", t);
	return typed_with(types, m);
}

/* T { type a } with a = rows of cols zeros (cols 0: a flat array). */
static json_t *
n_array(const char *type, size_t rows, size_t cols)
{
	json_t	*types = json_object(), *t = json_array(), *m = json_object();
	json_t	*a = json_array(), *row;
	size_t	 i, k;

	for (i = 0; i < rows; i++) {
		if (cols == 0) {
			json_array_append_new(a, json_integer(0));
			continue;
		}
		row = json_array();
		for (k = 0; k < cols; k++)
			json_array_append_new(row, json_integer(0));
		json_array_append_new(a, row);
	}
	json_array_append_new(t, field("a", type));
	json_object_set_new(types, "T", t);
	json_object_set_new(m, "a", a);
	return typed_with(types, m);
}

static void
test_limits(void **state)
{
	(void)state;
	expect(n_types(EIP712_TYPES_MAX - 1), NULL);	/* + EIP712Domain */
	expect(n_types(EIP712_TYPES_MAX), "too many types");
	expect(n_fields(EIP712_FIELDS_MAX), NULL);
	expect(n_fields(EIP712_FIELDS_MAX + 1), "too many fields in a type");
	expect(n_array("uint8[]", EIP712_ARRAY_MAX, 0), NULL);
	expect(n_array("uint8[]", EIP712_ARRAY_MAX + 1, 0), "array too long");
	expect(n_array("uint8[256]", EIP712_ARRAY_MAX, 0), NULL);
	expect(n_array("uint8[254][]", EIP712_ARRAY_MAX, 254), NULL);
	/* 1 + 256 + 256 * 256 values */
	expect(n_array("uint8[256][]", EIP712_ARRAY_MAX, 256),
	    "too many values");
}

static void
assert_grant(const struct eip712_permit *p, size_t i, const char *token,
    const char *spender, const char *amount)
{
	assert_true(i < p->n);
	assert_string_equal(p->grant[i].token, token);
	assert_string_equal(p->grant[i].spender, spender);
	assert_string_equal(p->grant[i].amount, amount);
}

static const char *
valid_json(const char *name)
{
	size_t	i;

	for (i = 0; i < NVALID; i++)
		if (strcmp(valid[i].name, name) == 0)
			return valid[i].json;
	fail_msg("no valid case %s", name);
	return NULL;
}

static int
permit_of(json_t *j, struct eip712_permit *p, const char **why)
{
	int	rv;

	*why = NULL;
	rv = eip712_permit(j, p, why);
	json_decref(j);
	return rv;
}

/* The reference cases, each as the permit it is (or is not). */
static void
test_permits(void **state)
{
	struct eip712_permit	 p;
	const char		*why;
	json_t			*j;

	(void)state;
	j = load_exact(valid_json("eip2612"));
	assert_int_equal(permit_of(j, &p, &why), 1);
	assert_int_equal(p.kind, PERMIT_EIP2612);
	assert_int_equal(p.n, 1);
	assert_grant(&p, 0, USDC, ROUTER, "1000000");

	j = load_exact(valid_json("dai"));
	assert_int_equal(permit_of(j, &p, &why), 1);
	assert_int_equal(p.kind, PERMIT_DAI);
	assert_int_equal(p.n, 1);
	assert_grant(&p, 0, DAI, ROUTER, MAX256);

	j = load_exact(valid_json("permit2_single"));
	assert_int_equal(permit_of(j, &p, &why), 1);
	assert_int_equal(p.kind, PERMIT2_ALLOWANCE);
	assert_int_equal(p.n, 1);
	assert_grant(&p, 0, USDC, ROUTER,
	    "1461501637330902918203684832716283019655932542975");

	j = load_exact(valid_json("permit2_batch"));
	assert_int_equal(permit_of(j, &p, &why), 1);
	assert_int_equal(p.kind, PERMIT2_ALLOWANCE);
	assert_int_equal(p.n, 2);
	assert_grant(&p, 0, USDC, ROUTER, "5000000");
	assert_grant(&p, 1, WETH, ROUTER, "1000000000000000000");

	j = load_exact(valid_json("permit2_transfer"));
	assert_int_equal(permit_of(j, &p, &why), 1);
	assert_int_equal(p.kind, PERMIT2_TRANSFER);
	assert_int_equal(p.n, 1);
	assert_grant(&p, 0, DAI, ROUTER, "25000000000000000000");

	j = load_exact(valid_json("permit2_witness"));
	assert_int_equal(permit_of(j, &p, &why), 1);
	assert_int_equal(p.kind, PERMIT2_TRANSFER);
	assert_int_equal(p.n, 3);
	assert_grant(&p, 0, USDC, ROUTER, "1");
	assert_grant(&p, 1, WETH, ROUTER, "2");
	assert_grant(&p, 2, DAI, ROUTER, "3");

	j = load_exact(valid_json("mail"));
	assert_int_equal(permit_of(j, &p, &why), 0);
	j = load_exact(valid_json("nested"));
	assert_int_equal(permit_of(j, &p, &why), 0);
}

#define DOM2612	"'EIP712Domain':[" F("name", "string") "," \
		F("verifyingContract", "address") "]"
#define L2612	"'Permit':[" F("owner", "address") "," \
		F("spender", "address") "," F("value", "uint256") "," \
		F("nonce", "uint256") "," F("deadline", "uint256") "]"
#define M2612	"{'owner':'0x9858effd232b4033e47d90003d41ec34ecaeda94'," \
		"'spender':'0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad'," \
		"'value':'0x10','nonce':0,'deadline':1}"
#define LDAI	"'Permit':[" F("holder", "address") "," \
		F("spender", "address") "," F("nonce", "uint256") "," \
		F("expiry", "uint256") "," F("allowed", "bool") "]"
#define LDETAILS "'PermitDetails':[" F("token", "address") "," \
		F("amount", "uint160") "," F("expiration", "uint48") "," \
		F("nonce", "uint48") "]"
#define DETAIL	"{'token':'" WETH "','amount':1,'expiration':1,'nonce':1}"

/* Permits by primaryType and layout: near misses and malformed ones. */
static void
test_permit_layouts(void **state)
{
	struct eip712_permit	 p;
	const char		*why;
	char			 buf[8192];
	int			 i, k, n;

	(void)state;
	/* lower-case addresses come out checksummed; hex amounts decimal */
	assert_int_equal(permit_of(load("{'types':{" DOM2612 "," L2612 "},"
	    "'primaryType':'Permit','domain':{'name':'x','verifyingContract':"
	    "'0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48'},'message':" M2612
	    "}"), &p, &why), 1);
	assert_int_equal(p.kind, PERMIT_EIP2612);
	assert_grant(&p, 0, USDC, ROUTER, "16");

	/* an EIP-2612 permit with no token to grant on */
	assert_int_equal(permit_of(load("{'types':{'EIP712Domain':["
	    F("name", "string") "]," L2612 "},'primaryType':'Permit',"
	    "'domain':{'name':'x'},'message':" M2612 "}"), &p, &why), -1);
	assert_string_equal(why, "token permit without verifyingContract");

	/* the same fields, another order: not what a token hashes */
	assert_int_equal(permit_of(load("{'types':{" DOM2612 ",'Permit':["
	    F("spender", "address") "," F("owner", "address") ","
	    F("value", "uint256") "," F("nonce", "uint256") ","
	    F("deadline", "uint256") "]},'primaryType':'Permit','domain':"
	    "{'name':'x','verifyingContract':'" USDC "'},'message':" M2612
	    "}"), &p, &why), -1);
	assert_string_equal(why, "a permit's type with an unknown layout");

	/* an ERC-721 permit (Uniswap v3 positions) is no token permit */
	assert_int_equal(permit_of(load("{'types':{" DOM2612 ",'Permit':["
	    F("spender", "address") "," F("tokenId", "uint256") ","
	    F("nonce", "uint256") "," F("deadline", "uint256") "]},"
	    "'primaryType':'Permit','domain':{'name':'x','verifyingContract':"
	    "'" USDC "'},'message':{'spender':'" ROUTER "','tokenId':1,"
	    "'nonce':0,'deadline':1}}"), &p, &why), -1);
	assert_string_equal(why, "a permit's type with an unknown layout");

	/* permit field names under another primaryType: not a permit */
	assert_int_equal(permit_of(load("{'types':{" DOM2612 ",'Approval':["
	    F("owner", "address") "," F("spender", "address") ","
	    F("value", "uint256") "," F("nonce", "uint256") ","
	    F("deadline", "uint256") "]},'primaryType':'Approval','domain':"
	    "{'name':'x','verifyingContract':'" USDC "'},'message':" M2612
	    "}"), &p, &why), 0);

	/* DAI revoking */
	assert_int_equal(permit_of(load("{'types':{" DOM2612 "," LDAI "},"
	    "'primaryType':'Permit','domain':{'name':'x','verifyingContract':"
	    "'" DAI "'},'message':{'holder':'" USDC "','spender':'" ROUTER "',"
	    "'nonce':0,'expiry':0,'allowed':false}}"), &p, &why), 1);
	assert_int_equal(p.kind, PERMIT_DAI);
	assert_grant(&p, 0, DAI, ROUTER, "0");

	/* PermitSingle whose details are not Permit2's */
	assert_int_equal(permit_of(load("{'types':{" DOM2612 ","
	    "'PermitSingle':[" F("details", "PermitDetails") ","
	    F("spender", "address") "," F("sigDeadline", "uint256") "],"
	    "'PermitDetails':[" F("token", "address") ","
	    F("amount", "uint256") "," F("expiration", "uint48") ","
	    F("nonce", "uint48") "]},'primaryType':'PermitSingle',"
	    "'domain':{'name':'x','verifyingContract':'" USDC "'},"
	    "'message':{'details':" DETAIL ",'spender':'" ROUTER "',"
	    "'sigDeadline':1}}"), &p, &why), -1);
	assert_string_equal(why, "a permit's type with an unknown layout");

	/* a witness transfer needs its one witness field */
	assert_int_equal(permit_of(load("{'types':{" DOM2612 ","
	    "'PermitWitnessTransferFrom':[" F("permitted", "TokenPermissions")
	    "," F("spender", "address") "," F("nonce", "uint256") ","
	    F("deadline", "uint256") "],'TokenPermissions':["
	    F("token", "address") "," F("amount", "uint256") "]},"
	    "'primaryType':'PermitWitnessTransferFrom','domain':{'name':'x',"
	    "'verifyingContract':'" USDC "'},'message':{'permitted':{'token':"
	    "'" DAI "','amount':1},'spender':'" ROUTER "','nonce':1,"
	    "'deadline':1}}"), &p, &why), -1);

	/* PermitBatch: PERMIT_MAX grants, then one too many */
	for (i = PERMIT_MAX; i <= PERMIT_MAX + 1; i++) {
		n = snprintf(buf, sizeof(buf), "{'types':{" DOM2612 ","
		    "'PermitBatch':[" F("details", "PermitDetails[]") ","
		    F("spender", "address") "," F("sigDeadline", "uint256")
		    "]," LDETAILS "},'primaryType':'PermitBatch','domain':"
		    "{'name':'x','verifyingContract':'" USDC "'},'message':"
		    "{'spender':'" ROUTER "','sigDeadline':1,'details':[");
		for (k = 0; k < i; k++)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			    "%s" DETAIL, k ? "," : "");
		snprintf(buf + n, sizeof(buf) - (size_t)n, "]}}");
		if (i == PERMIT_MAX) {
			assert_int_equal(permit_of(load(buf), &p, &why), 1);
			assert_int_equal(p.n, PERMIT_MAX);
			assert_grant(&p, PERMIT_MAX - 1, WETH, ROUTER, "1");
		} else {
			assert_int_equal(permit_of(load(buf), &p, &why), -1);
			assert_string_equal(why, "too many grants in a permit");
		}
	}
}

static void
test_domain_fields(void **state)
{
	static const struct {
		const char	*chain;
		int		 rv;
		uint64_t	 want;
	} ids[] = {
		{ "1", 0, 1 },
		{ "'1'", 0, 1 },
		{ "'0x1'", 0, 1 },
		{ "'0x0000000000000000000000000000000000000001'", 0, 1 },
		{ "'18446744073709551615'", 0, UINT64_MAX },
		{ "'0xffffffffffffffff'", 0, UINT64_MAX },
		{ "'18446744073709551616'", -1, 0 },
		{ "'0x10000000000000000'", -1, 0 },
		{ "-1", -1, 0 },
		{ "'-1'", -1, 0 },
		{ "1.5", -1, 0 },
		{ "'abc'", -1, 0 },
		{ "null", -1, 0 },
	};
	char		 buf[256], addr[43];
	uint64_t	 id;
	json_t		*j;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(buf, sizeof(buf), "{'domain':{'chainId':%s}}",
		    ids[i].chain);
		j = load(buf);
		id = 7;
		if (eip712_chain_id(j, &id) != ids[i].rv)
			fail_msg("chainId %s", ids[i].chain);
		if (ids[i].rv == 0 && id != ids[i].want)
			fail_msg("chainId %s: %llu", ids[i].chain,
			    (unsigned long long)id);
		json_decref(j);
	}
	j = load("{'domain':{}}");
	assert_int_equal(eip712_chain_id(j, &id), -1);
	assert_int_equal(eip712_verifying_contract(j, addr), -1);
	json_decref(j);
	j = load("[]");
	assert_int_equal(eip712_chain_id(j, &id), -1);
	assert_int_equal(eip712_verifying_contract(j, addr), -1);
	json_decref(j);
	j = load("{'domain':{'verifyingContract':"
	    "'0x6b175474e89094c44da98b954eedeac495271d0f'}}");
	assert_int_equal(eip712_verifying_contract(j, addr), 0);
	assert_string_equal(addr, DAI);
	json_decref(j);
	j = load("{'domain':{'verifyingContract':"
	    "'0x6B175474E89094C44Da98b954EedeAC495271d0f'}}");
	assert_int_equal(eip712_verifying_contract(j, addr), -1);
	json_decref(j);
	j = load_exact(valid_json("mail"));
	assert_int_equal(eip712_chain_id(j, &id), 0);
	assert_int_equal(id, 1);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_spec_signature),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_atoms),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_depth_edge),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_permits),
		cmocka_unit_test(test_permit_layouts),
		cmocka_unit_test(test_domain_fields),
	};

	if ((ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
