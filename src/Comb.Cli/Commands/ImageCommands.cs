using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;
using Comb.Engine.Cache;
using Comb.Image;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Commands;

/// <summary>comb image inspect REF: digest, platform, config and layers, without reading the layers.</summary>
internal static class ImageCommands
{
    public static Command Build(IServiceProvider services)
    {
        var image = new Command("image", "Work with images");
        var inspect = new Command("inspect", "Print an image's digest, platform, user, env, entrypoint and layers");
        var reference = new Argument<string>("REF") { Description = "Image reference (registry, oci:DIR, oci-archive:FILE, docker-archive:FILE, rootfs:DIR, containers-storage:NAME, containerd:NAME)" };
        var format = new Option<string>("--format", "-f") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var access = new ImageAccessOptions();
        inspect.Arguments.Add(reference);
        inspect.Options.Add(format);
        access.AddTo(inspect);
        inspect.SetAction(async (parse, ct) =>
        {
            var options = access.Apply(parse, new ScanOptions());
            var resolver = services.GetRequiredService<ImageSourceResolver>();
            var cache = new LayerCache(options.CacheDir!);
            await using var opened = await resolver.OpenAsync(parse.GetValue(reference)!, new ImageOpenOptions
            {
                Platform = options.Platform,
                InsecureRegistry = options.InsecureRegistry,
                Username = options.Username,
                Password = options.Password,
                TempDir = cache.TempDir,
                StorageRoot = options.StorageRoot,
                ContainerdRoot = options.ContainerdRoot,
                ContainerdNamespace = options.ContainerdNamespace,
            }, ct);
            var view = InspectView.From(opened.Metadata);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(format) == "json")
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(view, InspectView.Json));
            }
            else
            {
                await output.WriteAsync(view.ToText());
            }

            return ExitCodes.Success;
        });
        image.Subcommands.Add(inspect);
        return image;
    }
}

/// <summary>What `image inspect` shows; its JSON shape is a public interface (layers: diffId, digest, size, createdBy).</summary>
internal sealed record InspectView
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Reference { get; init; }
    public string? Digest { get; init; }
    public required string ImageId { get; init; }
    public string? Repository { get; init; }
    public string? Tag { get; init; }
    public string? MediaType { get; init; }
    public required string Platform { get; init; }
    public required string Os { get; init; }
    public required string Architecture { get; init; }
    public DateTimeOffset? Created { get; init; }
    public string? User { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public required IReadOnlyList<InspectLayer> Layers { get; init; }

    public static InspectView From(ImageMetadata m) => new()
    {
        Reference = m.Reference,
        Digest = m.ManifestDigest,
        ImageId = m.ConfigDigest,
        Repository = m.Registry is null ? m.Repository : $"{m.Registry}/{m.Repository}",
        Tag = m.Tag,
        MediaType = m.ManifestMediaType,
        Platform = m.Platform.ToString(),
        Os = m.Config.Os ?? m.Platform.Os,
        Architecture = m.Config.Architecture ?? m.Platform.Architecture,
        Created = m.Config.Created,
        User = m.Config.Config?.User,
        Env = m.Config.Config?.Env ?? [],
        Entrypoint = m.Config.Config?.Entrypoint ?? [],
        Cmd = m.Config.Config?.Cmd ?? [],
        Layers = [.. m.Layers.Select(l => new InspectLayer(l.Index, l.DiffId, l.Digest, l.MediaType, l.Size, l.UncompressedSize, l.CreatedBy))],
    };

    public string ToText()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"Reference:    {Reference}");
        if (Digest is not null)
        {
            sb.AppendLine($"Digest:       {Digest}");
        }

        sb.AppendLine($"Image ID:     {ImageId}");
        sb.AppendLine($"Platform:     {Platform}");
        if (Created is { } created)
        {
            sb.AppendLine($"Created:      {created:u}");
        }

        sb.AppendLine($"User:         {(string.IsNullOrEmpty(User) ? "(root)" : User)}");
        sb.AppendLine($"Entrypoint:   {string.Join(' ', Entrypoint)}");
        sb.AppendLine($"Cmd:          {string.Join(' ', Cmd)}");
        sb.AppendLine("Env:");
        foreach (var env in Env)
        {
            sb.AppendLine($"  {env}");
        }

        sb.AppendLine($"Layers ({Layers.Count}):");
        foreach (var layer in Layers)
        {
            sb.AppendLine($"  {layer.Index,2}  {layer.DiffId}  {Bytes(layer.Size),10}  {Truncate(layer.CreatedBy ?? "", 80)}");
        }

        return sb.ToString();
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    internal static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:F1} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / 1048576.0:F1} MiB",
        _ => $"{bytes / 1073741824.0:F2} GiB",
    };
}

internal sealed record InspectLayer(int Index, string DiffId, string Digest, string MediaType, long Size, long? UncompressedSize, string? CreatedBy);
