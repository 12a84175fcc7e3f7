using System.Security.Cryptography;
using Comb.Contracts;

namespace Comb.Image;

/// <summary>
/// Read-only pass-through that hashes what is read and, at the end of the stream, checks the digest
/// (sha256:/sha512:) and, when given, the expected length. A mismatch or short read throws
/// <see cref="CombInputException"/>, so no caller ever trusts unverified content.
/// </summary>
public sealed class DigestVerifyingStream : ReadOnlyWrapperStream
{
    private readonly IncrementalHash _hash;
    private readonly string _expected;
    private readonly long? _expectedLength;
    private readonly string _what;
    private long _read;
    private bool _verified;

    public DigestVerifyingStream(Stream inner, string expectedDigest, long? expectedLength, string what, bool leaveOpen = false)
        : base(inner, leaveOpen)
    {
        _expected = expectedDigest;
        _expectedLength = expectedLength is > 0 ? expectedLength : null;
        _what = what;
        _hash = IncrementalHash.CreateHash(AlgorithmOf(expectedDigest));
    }

    public static HashAlgorithmName AlgorithmOf(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        var algorithm = colon > 0 ? digest[..colon] : string.Empty;
        return algorithm switch
        {
            "sha256" => HashAlgorithmName.SHA256,
            "sha512" => HashAlgorithmName.SHA512,
            _ => throw new CombInputException($"Unsupported digest algorithm in '{digest}'"),
        };
    }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead => _read;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var n = Inner.Read(buffer);
        return Account(buffer[..n], n);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..n], n);
    }

    private int Account(ReadOnlySpan<byte> data, int n)
    {
        if (n > 0)
        {
            _hash.AppendData(data);
            _read += n;
            if (_expectedLength is { } max && _read > max)
            {
                throw new CombInputException($"{_what}: more data than the {max} bytes its descriptor declares");
            }
        }
        else if (!_verified)
        {
            Verify();
        }

        return n;
    }

    private void Verify()
    {
        _verified = true;
        if (_expectedLength is { } len && _read != len)
        {
            throw new CombInputException($"{_what}: truncated: read {_read} of {len} bytes");
        }

        var actual = AlgorithmPrefix() + Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (!string.Equals(actual, _expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new CombInputException($"{_what}: digest mismatch: expected {_expected}, got {actual}");
        }
    }

    private string AlgorithmPrefix() => _expected[..(_expected.IndexOf(':', StringComparison.Ordinal) + 1)];

    /// <summary>Reads whatever is left so the digest is checked even when the consumer stopped early.</summary>
    public async Task DrainAndVerifyAsync(CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (await ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
