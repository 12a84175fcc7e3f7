namespace Comb.Testing.Fuzzing;

/// <summary>
/// Derives malformed inputs from valid ones, deterministically from a seed: bit flips, overwritten bytes, boundary
/// numbers, truncation, deletion and duplication of chunks, splices with another seed, and plain random bytes.
/// </summary>
public sealed class Mutator(int seed)
{
    private static readonly byte[][] Boundaries =
    [
        [0x00], [0xFF], [0x7F], [0x80], [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0x00, 0x00, 0x00, 0x80],
        "99999999999"u8.ToArray(), "-1"u8.ToArray(), "77777777777"u8.ToArray(), "{"u8.ToArray(), "\n"u8.ToArray(), "\"\\u"u8.ToArray(),
    ];

    private readonly Random _random = new(seed);

    public Random Random => _random;

    public byte[] RandomBytes(int maxLength)
    {
        var data = new byte[_random.Next(0, maxLength + 1)];
        _random.NextBytes(data);
        return data;
    }

    /// <summary>One to four mutations of <paramref name="input"/>; <paramref name="others"/> are splice partners.</summary>
    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> others)
    {
        var data = input;
        var rounds = _random.Next(1, 5);
        for (var i = 0; i < rounds; i++)
        {
            data = MutateOnce(data, others);
        }

        return data;
    }

    private byte[] MutateOnce(byte[] data, IReadOnlyList<byte[]> others)
    {
        if (data.Length == 0)
        {
            return RandomBytes(64);
        }

        var copy = (byte[])data.Clone();
        var at = _random.Next(copy.Length);
        switch (_random.Next(8))
        {
            case 0:
                for (var n = _random.Next(1, 9); n > 0; n--)
                {
                    var bit = _random.Next(copy.Length * 8);
                    copy[bit / 8] ^= (byte)(1 << (bit % 8));
                }

                return copy;
            case 1:
                for (var n = _random.Next(1, 17); n > 0 && at < copy.Length; n--, at++)
                {
                    copy[at] = (byte)_random.Next(256);
                }

                return copy;
            case 2:
                var boundary = Boundaries[_random.Next(Boundaries.Length)];
                boundary.AsSpan(0, Math.Min(boundary.Length, copy.Length - at)).CopyTo(copy.AsSpan(at));
                return copy;
            case 3:
                return copy[..at];
            case 4:
                var cut = _random.Next(1, Math.Min(copy.Length - at, 4096) + 1);
                return [.. copy[..at], .. copy[(at + cut)..]];
            case 5:
                var length = _random.Next(1, Math.Min(copy.Length - at, 4096) + 1);
                return [.. copy[..(at + length)], .. copy[at..]];
            case 6:
                var other = others.Count == 0 ? copy : others[_random.Next(others.Count)];
                var from = other.Length == 0 ? 0 : _random.Next(other.Length);
                return [.. copy[..at], .. other[from..]];
            default:
                return [.. copy[..at], .. RandomBytes(256), .. copy[at..]];
        }
    }
}
