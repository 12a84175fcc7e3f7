using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Comb.Contracts;

namespace Comb.Image.Stores;

/// <summary>
/// Rebuilds a layer's original uncompressed tar from containers/storage's tar-split record (the tar headers
/// and padding, byte for byte) and the files of the unpacked layer directory. The result hashes to the
/// layer's diffID, which the layer reader verifies.
/// </summary>
internal sealed class TarSplitStream : ReadOnlyWrapperStream
{
    private readonly StreamReader _lines;
    private readonly string _contentRoot;
    private readonly string _what;
    private byte[] _segment = [];
    private int _segmentOffset;
    private Stream? _file;
    private long _fileRemaining;

    private TarSplitStream(Stream tarSplit, string contentRoot, string what)
        : base(tarSplit)
    {
        _lines = new StreamReader(tarSplit, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        _contentRoot = contentRoot;
        _what = what;
    }

    public static TarSplitStream Open(string tarSplitFile, string contentRoot, string what)
    {
        if (!File.Exists(tarSplitFile))
        {
            throw new CombInputException($"{what}: the store keeps no tar-split record for this layer ({tarSplitFile}); it cannot be read as its original tar");
        }

        if (!Directory.Exists(contentRoot))
        {
            throw new CombInputException($"{what}: layer directory missing: {contentRoot}");
        }

        var file = new FileStream(tarSplitFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return new TarSplitStream(new GZipStream(file, CompressionMode.Decompress), contentRoot, what);
    }

    public override int Read(Span<byte> buffer)
    {
        var rented = new byte[buffer.Length];
        var n = ReadAsync(rented, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_segmentOffset < _segment.Length)
            {
                var n = Math.Min(buffer.Length, _segment.Length - _segmentOffset);
                _segment.AsMemory(_segmentOffset, n).CopyTo(buffer);
                _segmentOffset += n;
                return n;
            }

            if (_file is not null)
            {
                if (_fileRemaining > 0)
                {
                    var n = await _file.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _fileRemaining)], cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        throw new CombInputException($"{_what}: a layer file is shorter than its tar-split record says");
                    }

                    _fileRemaining -= n;
                    return n;
                }

                await _file.DisposeAsync().ConfigureAwait(false);
                _file = null;
            }

            var line = await _lines.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return 0;
            }

            if (line.Length > 0)
            {
                Next(line);
            }
        }
    }

    /// <summary>type 2: raw tar bytes (headers, padding); type 1: a member whose size bytes come from the layer directory.</summary>
    private void Next(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var entry = doc.RootElement;
            var type = entry.GetProperty("type").GetInt32();
            if (type == 2)
            {
                _segment = entry.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.String ? payload.GetBytesFromBase64() : [];
                _segmentOffset = 0;
                return;
            }

            if (type != 1)
            {
                throw new CombInputException($"{_what}: unknown tar-split entry type {type}");
            }

            var size = entry.TryGetProperty("size", out var s) ? s.GetInt64() : 0;
            if (size <= 0)
            {
                return;
            }

            var name = entry.TryGetProperty("name_raw", out var raw) && raw.ValueKind == JsonValueKind.String
                ? Encoding.UTF8.GetString(raw.GetBytesFromBase64())
                : entry.GetProperty("name").GetString() ?? "";
            _file = OpenMember(name, size);
            _fileRemaining = size;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CombInputException($"{_what}: corrupt tar-split record: {ex.Message}", ex);
        }
    }

    /// <summary>Opens a regular file inside the layer directory, refusing any path that leaves it through "..", or a symlink.</summary>
    private FileStream OpenMember(string name, long size)
    {
        var path = _contentRoot;
        foreach (var part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                throw new CombInputException($"{_what}: tar-split member '{name}' escapes the layer");
            }

            path = Path.Combine(path, part);
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                throw new CombInputException($"{_what}: layer file '{name}' goes through a symbolic link on disk; refused");
            }
        }

        var file = new FileInfo(path);
        if (!file.Exists || file.Length != size)
        {
            throw new CombInputException($"{_what}: layer file '{name}' is missing or its size differs from the tar-split record");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file?.Dispose();
            _lines.Dispose();
        }

        base.Dispose(disposing);
    }
}
