using System.Text;

namespace Comb.Analyzers.Binary;

/// <summary>A module recorded in a Go binary's build info (after any "=>" replacement).</summary>
internal sealed record GoModule(string Path, string Version, string? Sum, string? ReplacedPath);

/// <summary>What the Go linker embeds: toolchain version, main package/module, dependencies and build settings.</summary>
internal sealed record GoBuildInfo(string GoVersion, string? MainPath, GoModule? Main, IReadOnlyList<GoModule> Deps, IReadOnlyList<KeyValuePair<string, string>> Settings)
{
    /// <summary>Parses the modinfo text ("path", "mod", "dep", "=>", "build" lines, tab separated).</summary>
    public static GoBuildInfo Parse(string goVersion, string modInfo)
    {
        string? mainPath = null;
        GoModule? main = null;
        var deps = new List<GoModule>();
        var settings = new List<KeyValuePair<string, string>>();
        var lastWasMain = false;
        foreach (var raw in modInfo.Split('\n'))
        {
            var fields = raw.TrimEnd('\r').Split('\t');
            switch (fields[0])
            {
                case "path" when fields.Length >= 2:
                    mainPath = fields[1];
                    break;
                case "mod" when fields.Length >= 3:
                    main = new GoModule(fields[1], fields[2], fields.Length > 3 ? fields[3] : null, null);
                    lastWasMain = true;
                    break;
                case "dep" when fields.Length >= 3:
                    deps.Add(new GoModule(fields[1], fields[2], fields.Length > 3 ? fields[3] : null, null));
                    lastWasMain = false;
                    break;
                case "dep" when fields.Length == 2:
                    deps.Add(new GoModule(fields[1], "", null, null));
                    lastWasMain = false;
                    break;
                case "=>" when fields.Length >= 2:
                    var replacement = new GoModule(fields[1], fields.Length > 2 ? fields[2] : "", fields.Length > 3 ? fields[3] : null, null);
                    if (lastWasMain && main is not null)
                    {
                        main = replacement with { ReplacedPath = main.Path };
                    }
                    else if (deps.Count > 0)
                    {
                        deps[^1] = replacement with { ReplacedPath = deps[^1].Path };
                    }

                    break;
                case "build" when fields.Length >= 2:
                    var setting = string.Join('\t', fields[1..]);
                    var eq = setting.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        settings.Add(new(setting[..eq], Unquote(setting[(eq + 1)..])));
                    }

                    break;
                default:
                    break;
            }
        }

        return new GoBuildInfo(goVersion, mainPath, main, deps, settings);
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            var sb = new StringBuilder();
            for (var i = 1; i < value.Length - 1; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length - 1)
                {
                    i++;
                }

                sb.Append(value[i]);
            }

            return sb.ToString();
        }

        return value;
    }
}

/// <summary>
/// Finds and decodes the Go build info blob ("\xff Go buildinf:" header). Go 1.18+ stores the version and
/// module strings inline (varint length prefixed); older toolchains store two pointers to Go string headers,
/// resolved through the executable's section table.
/// </summary>
internal static class GoBuildInfoReader
{
    private static readonly byte[] Magic = [0xff, .. " Go buildinf:"u8];
    private const int HeaderSize = 32;
    private const int ScanChunk = 1 << 20;

    /// <summary>Returns null when the binary has no Go build info; throws <see cref="InvalidDataException"/> when it is corrupt.</summary>
    public static GoBuildInfo? Read(RandomAccessSource source, ExecutableImage image, CancellationToken cancellationToken)
    {
        var headerOffset = Locate(source, image, cancellationToken);
        if (headerOffset < 0)
        {
            return null;
        }

        var header = source.ReadUpTo(headerOffset, HeaderSize);
        if (header.Length < HeaderSize)
        {
            throw new InvalidDataException("Go build info header is truncated");
        }

        var pointerSize = header[14];
        var flags = header[15];
        byte[] versionBytes, modBytes;
        if ((flags & 0x2) != 0)
        {
            var data = source.ReadUpTo(headerOffset + HeaderSize, 1 << 20);
            var at = 0;
            versionBytes = ReadInlineString(data, ref at);
            modBytes = ReadInlineString(data, ref at);
        }
        else
        {
            if (pointerSize is not (4 or 8))
            {
                throw new InvalidDataException($"Go build info has an invalid pointer size {pointerSize}");
            }

            var reader = new ExecutableImage.Reader((flags & 0x1) != 0);
            versionBytes = ReadPointerString(source, image, reader, reader.Pointer(header, 16, pointerSize), pointerSize);
            modBytes = ReadPointerString(source, image, reader, reader.Pointer(header, 16 + pointerSize, pointerSize), pointerSize);
        }

        var version = Encoding.UTF8.GetString(versionBytes);

        if (!version.StartsWith("go", StringComparison.Ordinal) && !version.StartsWith("devel", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Go build info has an unexpected toolchain version '{Truncate(version)}'");
        }

        // Module info is framed by 16-byte binary sentinels; strip them before decoding the text.
        var modInfo = modBytes.Length >= 33 && modBytes[^17] == (byte)'\n'
            ? Encoding.UTF8.GetString(modBytes, 16, modBytes.Length - 32)
            : Encoding.UTF8.GetString(modBytes);
        return GoBuildInfo.Parse(version, modInfo);
    }

    /// <summary>The named section when the format has one; otherwise a scan of the data sections, then of the file.</summary>
    private static long Locate(RandomAccessSource source, ExecutableImage image, CancellationToken cancellationToken)
    {
        var named = image.Find(".go.buildinfo") ?? image.Find("__go_buildinfo");
        if (named is not null)
        {
            var head = source.ReadUpTo(named.FileOffset, Magic.Length);
            if (head.AsSpan().SequenceEqual(Magic))
            {
                return named.FileOffset;
            }
        }

        // Older layouts (PE, Mach-O __data) keep the blob at the start of a data section.
        foreach (var section in image.Sections.Where(s => s.HasFileData && s.Name is ".data" or ".noptrdata" or "__data"))
        {
            var found = Scan(source, section.FileOffset, section.Size, cancellationToken);
            if (found >= 0)
            {
                return found;
            }
        }

        return image.Sections.Count == 0 ? Scan(source, 0, source.Length, cancellationToken) : -1;
    }

    private static long Scan(RandomAccessSource source, long start, long length, CancellationToken cancellationToken)
    {
        var end = Math.Min(source.Length, start + length);
        for (var at = start; at < end; at += ScanChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = source.ReadUpTo(at, (int)Math.Min(ScanChunk + Magic.Length, end - at));
            var index = chunk.AsSpan().IndexOf(Magic);
            if (index >= 0)
            {
                return at + index;
            }
        }

        return -1;
    }

    private static byte[] ReadInlineString(byte[] data, ref int at)
    {
        ulong length = 0;
        var shift = 0;
        while (true)
        {
            if (at >= data.Length || shift > 63)
            {
                throw new InvalidDataException("Go build info string length is truncated");
            }

            var b = data[at++];
            length |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }

            shift += 7;
        }

        if (length > (ulong)(data.Length - at))
        {
            throw new InvalidDataException($"Go build info string of {length} bytes runs past the data");
        }

        var value = data.AsSpan(at, (int)length).ToArray();
        at += (int)length;
        return value;
    }

    private static byte[] ReadPointerString(RandomAccessSource source, ExecutableImage image, ExecutableImage.Reader reader, ulong headerAddress, int pointerSize)
    {
        var headerOffset = image.FileOffsetOf(headerAddress, pointerSize * 2);
        if (headerOffset < 0)
        {
            throw new InvalidDataException($"Go build info points to unmapped address 0x{headerAddress:x}");
        }

        var stringHeader = source.ReadAt(headerOffset, pointerSize * 2);
        var dataAddress = reader.Pointer(stringHeader, 0, pointerSize);
        var length = reader.Pointer(stringHeader, pointerSize, pointerSize);
        if (length == 0)
        {
            return [];
        }

        if (length > 16 * 1024 * 1024)
        {
            throw new InvalidDataException($"Go build info string of {length} bytes is implausible");
        }

        var dataOffset = image.FileOffsetOf(dataAddress, (int)length);
        if (dataOffset < 0)
        {
            throw new InvalidDataException($"Go build info string points to unmapped address 0x{dataAddress:x}");
        }

        return source.ReadAt(dataOffset, (int)length);
    }

    private static string Truncate(string s) => s.Length > 40 ? s[..40] + "..." : s;
}
