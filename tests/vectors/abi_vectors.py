#!/usr/bin/env python3
"""The ABI encoder's vectors: each case's calldata as Foundry's cast
(1.7.1) computes it from the canonical signature.  Run from the top of
the tree with CAST=<path to cast> to rewrite tests/vectors/abi_vectors.h
(the unit test's); tests/integration/t_abi.sh imports CASES and asks cast
again at run time."""
import json
import os
import subprocess
import sys

A1="0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
A2="0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
def p(t, n="", comps=None):
    d={"name":n,"type":t}
    if comps is not None: d["components"]=comps
    return d
CASES=[
 ("erc20_transfer","transfer",[p("address","to"),p("uint256","amount")],[A1,"1000000"],
  "transfer(address,uint256)",[A1,"1000000"]),
 ("approve_max","approve",[p("address"),p("uint256")],[A2,"0x"+"f"*64],
  "approve(address,uint256)",[A2,"115792089237316195423570985008687907853269984665640564039457584007913129639935"]),
 ("no_args","pause",[],[],"pause()",[]),
 ("neg_ints","f",[p("int8"),p("int256"),p("int64"),p("int24")],["-128","-1",-5,"0x7fffff"],
  "f(int8,int256,int64,int24)",["-128","-1","-5","8388607"]),
 ("int256_min","g",[p("int256")],["-57896044618658097711785492504343953926634992332820282019728792003956564819968"],
  "g(int256)",["-57896044618658097711785492504343953926634992332820282019728792003956564819968"]),
 ("small_uints","h",[p("uint8"),p("uint16"),p("uint160"),p("bool"),p("bool")],[255,"65535","0x01",True,False],
  "h(uint8,uint16,uint160,bool,bool)",["255","65535","1","true","false"]),
 ("fixed_bytes","b",[p("bytes1"),p("bytes4"),p("bytes32")],["0xab","0xdeadbeef","0x"+"11"*32],
  "b(bytes1,bytes4,bytes32)",["0xab","0xdeadbeef","0x"+"11"*32]),
 ("dyn_bytes_string","s",[p("bytes"),p("string"),p("uint256")],["0x"+"ab"*33,"hello, world \u00e9",7],
  "s(bytes,string,uint256)",["0x"+"ab"*33,"hello, world \u00e9","7"]),
 ("empty_dyn","e",[p("bytes"),p("string"),p("uint256[]")],["0x","",[]],
  "e(bytes,string,uint256[])",["0x","","[]"]),
 ("dyn_array","d",[p("uint256[]"),p("address[]")],[["1","2","3"],[A1,A2]],
  "d(uint256[],address[])",["[1,2,3]","[%s,%s]"%(A1,A2)]),
 ("string_array","sa",[p("string[]")],[["a","bc","a longer string that spans more than thirty-two bytes"]],
  "sa(string[])",["[a,bc,a longer string that spans more than thirty-two bytes]"]),
 ("fixed_of_dyn","fd",[p("string[2]"),p("uint8[3]")],[["x","y"],[1,2,3]],
  "fd(string[2],uint8[3])",["[x,y]","[1,2,3]"]),
 ("nested_arrays","na",[p("uint8[2][]"),p("bytes[][]")],[[[1,2],[3,4]],[["0x01"],[],["0x0203","0x"]]],
  "na(uint8[2][],bytes[][])",["[[1,2],[3,4]]","[[0x01],[],[0x0203,0x]]"]),
 ("static_tuple","st",[p("tuple","p",[p("address","a"),p("uint96","b")]),p("int16")],[{"a":A1,"b":"5"},-2],
  "st((address,uint96),int16)",["(%s,5)"%A1,"-2"]),
 ("dyn_tuple_array","dt",[p("int8"),p("uint256[]"),p("tuple[2]","xs",[p("address","a"),p("string","s")])],
  ["-128",["1","2"],[[A1,"hi"],{"s":"yo","a":A2}]],
  "dt(int8,uint256[],(address,string)[2])",["-128","[1,2]","[(%s,hi),(%s,yo)]"%(A1,A2)]),
 ("tuple_nested","tn",[p("tuple","o",[p("bytes","data"),p("tuple[]","inner",[p("uint256","v"),p("bool","f")])])],
  [{"data":"0xcafe","inner":[{"v":1,"f":True},["2",False]]}],
  "tn((bytes,(uint256,bool)[]))",["(0xcafe,[(1,true),(2,false)])"]),
 ("multicall","multicall",[p("tuple[]","calls",[p("address","target"),p("bool","allowFailure"),p("bytes","callData")])],
  [[[A1,True,"0x70a08231"+"00"*12+A2[2:].lower()],[A2,False,"0x"]]],
  "multicall((address,bool,bytes)[])",["[(%s,true,0x70a08231%s%s),(%s,false,0x)]"%(A1,"00"*12,A2[2:].lower(),A2)]),
]


def cast_calldata(cast, sig, args):
    r = subprocess.run([cast, "calldata", sig, "--"] + args,
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def c_string(s, indent="\t    "):
    """s as C string literal pieces, each line within 80 columns."""
    esc = []
    for ch in s:
        if ch in '"\\':
            esc.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) > 0x7e:
            esc.append("".join("\\%03o" % b for b in ch.encode()))
        else:
            esc.append(ch)
    lines, cur = [], ""
    for e in esc:
        if len(cur) + len(e) > 64:
            lines.append(cur)
            cur = ""
        cur += e
    lines.append(cur)
    return ("\n" + indent).join('"%s"' % ln for ln in lines)


def main():
    cast = os.environ.get("CAST", "cast")
    out = ["/* Made by tests/vectors/abi_vectors.py from Foundry's cast "
           "1.7.1 calldata. */",
           "static const struct abi_vector {",
           "\tconst char\t*name, *fn, *abi, *args, *sig, *calldata;",
           "} abi_vectors[] = {"]
    for name, fn, inputs, args, sig, cargs in CASES:
        abi = json.dumps([{"type": "function", "name": fn,
                           "inputs": inputs, "outputs": [],
                           "stateMutability": "nonpayable"}],
                         separators=(",", ":"))
        cd = cast_calldata(cast, sig, cargs)
        out.append("\t{ %s, %s," % (c_string(name), c_string(fn)))
        for s in (abi, json.dumps(args, separators=(",", ":"),
                                  ensure_ascii=False), sig, cd):
            out.append("\t    %s," % c_string(s))
        out[-1] = out[-1][:-1] + " },"
    out.append("};")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
