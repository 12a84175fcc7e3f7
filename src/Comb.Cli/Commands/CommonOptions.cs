using System.CommandLine;
using Comb.Contracts;
using Comb.Engine.Cache;
using Comb.Image.Oci;

namespace Comb.Cli.Commands;

/// <summary>Options shared by the commands that open images.</summary>
internal sealed class ImageAccessOptions
{
    public Option<string?> CacheDir { get; } = new("--cache-dir") { Description = "Layer cache and advisory database directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
    public Option<bool> Insecure { get; } = new("--insecure-registry") { Description = "Allow plain HTTP and self-signed TLS for registries" };
    public Option<string?> Platform { get; } = new("--platform") { Description = "Platform to pick from a multi-platform image: os/arch[/variant] (default: this machine's)" };
    public Option<string?> Username { get; } = new("--username") { Description = "Registry user name (or $COMB_USERNAME)" };
    public Option<string?> Password { get; } = new("--password") { Description = "Registry password or token (or $COMB_PASSWORD)" };
    public Option<string?> StorageRoot { get; } = new("--storage-root") { Description = "Podman/CRI-O storage root for containers-storage: references (default /var/lib/containers/storage)" };
    public Option<string?> ContainerdRoot { get; } = new("--containerd-root") { Description = "containerd root for containerd: references (default /var/lib/containerd)" };
    public Option<string?> ContainerdNamespace { get; } = new("--containerd-namespace") { Description = "containerd namespace for containerd: references (default \"default\")" };
    public Option<long?> MaxLayerSize { get; } = new("--max-layer-size") { Description = "Maximum uncompressed bytes per layer (decompression-bomb guard; default 32 GiB)" };

    public void AddTo(Command command)
    {
        command.Options.Add(CacheDir);
        command.Options.Add(Insecure);
        command.Options.Add(Platform);
        command.Options.Add(Username);
        command.Options.Add(Password);
        command.Options.Add(MaxLayerSize);
        command.Options.Add(StorageRoot);
        command.Options.Add(ContainerdRoot);
        command.Options.Add(ContainerdNamespace);
    }

    public ScanOptions Apply(ParseResult parse, ScanOptions options)
    {
        var platform = parse.GetValue(Platform);
        return options with
        {
            CacheDir = parse.GetValue(CacheDir) ?? CacheDirectory.Default(),
            InsecureRegistry = parse.GetValue(Insecure),
            Platform = platform is null ? null : PlatformSelector.Parse(platform),
            Username = parse.GetValue(Username) ?? Environment.GetEnvironmentVariable("COMB_USERNAME"),
            Password = parse.GetValue(Password) ?? Environment.GetEnvironmentVariable("COMB_PASSWORD"),
            MaxLayerBytes = parse.GetValue(MaxLayerSize) ?? options.MaxLayerBytes,
            StorageRoot = parse.GetValue(StorageRoot),
            ContainerdRoot = parse.GetValue(ContainerdRoot),
            ContainerdNamespace = parse.GetValue(ContainerdNamespace),
        };
    }
}

/// <summary>--skip-files and --skip-dirs, for the commands that walk image files (scan, sbom).</summary>
internal sealed class PathSkipOptions
{
    public Option<string[]> SkipFiles { get; } = new("--skip-files") { Description = "Files no analyzer reads: globs over the in-image path (app/config.json, **/*.pem); repeat or comma-separate" };
    public Option<string[]> SkipDirs { get; } = new("--skip-dirs") { Description = "Directories whose files no analyzer reads: globs (usr/lib/ruby, **/node_modules); repeat or comma-separate" };

    public void AddTo(Command command)
    {
        command.Options.Add(SkipFiles);
        command.Options.Add(SkipDirs);
    }

    public ScanOptions Apply(ParseResult parse, ScanOptions options) =>
        options with { SkipFiles = Globs(parse.GetValue(SkipFiles)), SkipDirs = Globs(parse.GetValue(SkipDirs)) };

    // Each value may list several patterns: --skip-dirs a,b --skip-dirs c.
    private static string[] Globs(string[]? values) =>
        values is null ? [] : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}

/// <summary>--include-dev-deps, for the commands that inventory packages (scan, sbom).</summary>
internal sealed class DevDependencyOption
{
    public Option<bool> IncludeDevDeps { get; } = new("--include-dev-deps") { Description = "Keep development-only dependencies that lock files flag (left out by default)" };

    public void AddTo(Command command) => command.Options.Add(IncludeDevDeps);

    public ScanOptions Apply(ParseResult parse, ScanOptions options) => options with { IncludeDevDeps = parse.GetValue(IncludeDevDeps) };
}
