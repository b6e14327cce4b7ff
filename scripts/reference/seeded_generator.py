"""Known answers for Base.SeededGenerator: xoshiro256** (Blackman & Vigna) seeded through
SplitMix64, and the per-stream seed mix. Prints the values Tests/BaseTests/SeededGeneratorTests.swift
checks. Pure Python (no dependencies): python3 scripts/reference/seeded_generator.py"""
M = (1 << 64) - 1


def splitmix_states(seed):
    s = seed
    out = []
    for _ in range(4):
        s = (s + 0x9E3779B97F4A7C15) & M
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        out.append(z ^ (z >> 31))
    return out


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def xoshiro(state, n):
    s = list(state)
    out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & M, 7) * 9) & M)
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


def stream_seed(seed, index):
    z = seed ^ ((index * 0xD1B54A32D192ED03) & M)
    z = ((z ^ (z >> 32)) * 0xDABA0B6EB09BD1F5) & M
    return z ^ (z >> 29)


if __name__ == "__main__":
    print("seed 42:", [hex(v) for v in xoshiro(splitmix_states(42), 4)])
    print("seed 7 stream 3:", [hex(v) for v in xoshiro(splitmix_states(stream_seed(7, 3)), 2)])
