namespace Comb.Contracts;

/// <summary>
/// A document a scan reads (policy, ignore list, VEX, secret rules): its content, as a server receives it in a
/// request, or the file the CLI names. <see cref="Name"/> is what messages show; its extension tells the format
/// where a reader accepts several (<c>.toml</c>, <c>.yaml</c>).
/// </summary>
public sealed record ScanDocument
{
    private ScanDocument(string name, string? content, string? filePath)
    {
        Name = name;
        Content = content;
        FilePath = filePath;
    }

    public string Name { get; }

    /// <summary>The content given inline; null when the document is a file.</summary>
    public string? Content { get; }

    /// <summary>The file the document is read from; null when its content was given.</summary>
    public string? FilePath { get; }

    public static ScanDocument FromContent(string name, string content) => new(name, content, null);

    public static ScanDocument FromFile(string path) => new(path, null, path);

    /// <summary>The file's document when a path is given, else null (options that take either a path or content).</summary>
    public static ScanDocument? FromFileOrNull(string? path) => string.IsNullOrEmpty(path) ? null : FromFile(path);
}

/// <summary>Settings of the image configuration checks.</summary>
public sealed record ConfigCheckOptions
{
    /// <summary>How many of the image's first layers come from its base image, instead of the estimate from its history.</summary>
    public int? BaseLayers { get; init; }

    /// <summary>Images built longer ago than this many days are flagged (default 365).</summary>
    public int? MaxImageAgeDays { get; init; }
}
