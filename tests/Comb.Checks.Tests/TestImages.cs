using Comb.Contracts;

namespace Comb.Checks.Tests;

/// <summary>Builds crafted image metadata and inventories for the checks.</summary>
internal static class TestImages
{
    public static string Digest(int n) => "sha256:" + n.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    public static ImageMetadata Img(
        ContainerConfig? config = null,
        IReadOnlyList<HistoryEntry>? history = null,
        int layers = 1,
        string reference = "registry.test/app:1.0",
        string? tag = "1.0",
        string sourceKind = "registry",
        DateTimeOffset? created = null,
        string? manifestDigest = null)
    {
        var layerList = Enumerable.Range(0, layers).Select(i => new LayerDescriptor
        {
            Index = i,
            Digest = Digest(1000 + i),
            DiffId = Digest(100 + i),
            MediaType = "application/vnd.oci.image.layer.v1.tar+gzip",
        }).ToList();
        return new ImageMetadata
        {
            Reference = reference,
            Registry = sourceKind == "registry" ? "registry.test" : null,
            Repository = "app",
            Tag = tag,
            ManifestDigest = manifestDigest ?? Digest(7),
            ConfigDigest = Digest(8),
            Platform = new ImagePlatform("linux", "amd64"),
            SourceKind = sourceKind,
            Layers = layerList,
            Config = new ImageConfig
            {
                Created = created ?? new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero),
                Config = config ?? HardenedConfig,
                History = history,
                RootFs = new RootFs { Type = "layers", DiffIds = layerList.Select(l => l.DiffId).ToList() },
            },
        };
    }

    /// <summary>A config that passes every config-level check.</summary>
    public static ContainerConfig HardenedConfig { get; } = new()
    {
        User = "10001:10001",
        Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D"],
        Healthcheck = new HealthcheckConfig { Test = ["CMD-SHELL", "curl -fsS http://localhost/ || exit 1"] },
        ExposedPorts = new Dictionary<string, object> { ["8080/tcp"] = new() },
    };

    public static ImageInventory Inventory(ImageMetadata image, OsInfo? os = null, IReadOnlyList<FileNote>? notes = null, IReadOnlyList<LayerNote>? layerNotes = null) => new()
    {
        Image = image,
        Os = os,
        PackageSets = [],
        Notes = notes ?? [],
        LayerNotes = layerNotes ?? [],
    };

    public static FileNote Note(string kind, string path, int mode, string? detail = null, long size = 10) =>
        new() { Kind = kind, Path = path, Mode = mode, Size = size, Detail = detail };
}
