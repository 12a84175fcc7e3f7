namespace Comb.Contracts.Archives;

/// <summary>The archive formats the nested-archive walker opens.</summary>
[Flags]
public enum ArchiveFormats
{
    None = 0,

    /// <summary>Zip and the formats built on it: jar, war, ear, apk, whl, nupkg...</summary>
    Zip = 1,

    Tar = 2,

    /// <summary>A gzip stream, read as the one file it compresses (a .tar.gz is then opened as a tar).</summary>
    Gzip = 4,

    All = Zip | Tar | Gzip,
}

/// <summary>Tells archive formats apart by their first bytes.</summary>
public static class ArchiveFormat
{
    /// <summary>The format <paramref name="content"/> starts like, or <see cref="ArchiveFormats.None"/>.</summary>
    public static ArchiveFormats Detect(ReadOnlySpan<byte> content)
    {
        // A local file header, or the end record of an empty zip.
        if (content.Length >= 4 && content[0] == 'P' && content[1] == 'K' && ((content[2] == 3 && content[3] == 4) || (content[2] == 5 && content[3] == 6)))
        {
            return ArchiveFormats.Zip;
        }

        if (content.Length >= 3 && content[0] == 0x1f && content[1] == 0x8b && content[2] == 8)
        {
            return ArchiveFormats.Gzip;
        }

        return content.Length >= 262 && content.Slice(257, 5).SequenceEqual("ustar"u8) ? ArchiveFormats.Tar : ArchiveFormats.None;
    }

    internal static string Name(ArchiveFormats format) => format switch
    {
        ArchiveFormats.Zip => "zip",
        ArchiveFormats.Tar => "tar",
        ArchiveFormats.Gzip => "gzip",
        _ => "archive",
    };
}
