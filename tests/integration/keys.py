#!/usr/bin/env python3
"""Test keys: an Ed25519 keypair from openssl as a Solana secret (base58 of
seed || public key), and base58 of bytes.  Prints shell assignments."""
import subprocess
import sys

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58(b):
    n = int.from_bytes(b, "big")
    s = ""
    while n:
        n, r = divmod(n, 58)
        s = ALPHABET[r] + s
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + s


def main():
    der = subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    seed = der[-32:]
    pub = subprocess.run(["openssl", "pkey", "-inform", "DER", "-pubout",
                          "-outform", "DER"], input=der, check=True,
                         capture_output=True).stdout[-32:]
    print("SOL_SECRET=%s" % b58(seed + pub))
    print("SOL_PUB=%s" % b58(pub))
    print("SOL_SEED_HEX=%s" % seed.hex())


if __name__ == "__main__":
    sys.exit(main())
