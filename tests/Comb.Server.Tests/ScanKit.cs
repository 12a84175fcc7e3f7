using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Cli;
using Comb.Testing.Registry;

namespace Comb.Server.Tests;

/// <summary>
/// What scan tests share: a real registry on loopback, and a cache directory holding a small advisory database built
/// by `comb db import` from a feed written here (Alpine's zlib 1.3-r0 is vulnerable to CVE-2099-1234, fixed in 1.3.1-r0).
/// </summary>
public sealed class ScanKit : IAsyncLifetime
{
    public const string Cve = "CVE-2099-1234";

    private RegistryServer? _registry;

    public string Root { get; } = Directory.CreateTempSubdirectory("comb-scan-kit-").FullName;

    public string CacheDir => Path.Combine(Root, "cache");

    public RegistryServer Registry => _registry ?? throw new InvalidOperationException("not started");

    public string DbFile => Path.Combine(CacheDir, "db", "comb.db");

    public async ValueTask InitializeAsync()
    {
        _registry = await RegistryServer.StartAsync(RegistryMode.Anonymous);
        var feeds = Path.Combine(Root, "feeds", "alpine-secdb", "v3.20");
        Directory.CreateDirectory(feeds);
        await File.WriteAllTextAsync(Path.Combine(feeds, "main.json"), """
            {"distroversion": "v3.20", "reponame": "main", "packages": [
              {"pkg": {"name": "zlib", "secfixes": {"1.3.1-r0": ["CVE-2099-1234"]}}},
              {"pkg": {"name": "busybox", "secfixes": {"1.36.1-r9": ["CVE-2099-5678"]}}}
            ]}
            """);
        using var output = new StringWriter();
        var code = await CombApp.RunAsync(["db", "import", Path.Combine(Root, "feeds"), "--cache-dir", CacheDir], output, output);
        Assert.True(code == 0, "advisory database import failed: " + output);
    }

    /// <summary>A small Alpine-like image (an OS, two vulnerable packages, a secret), made distinct by <paramref name="variant"/>; returns its reference.</summary>
    public async Task<string> PushAsync(string repository, int variant, int extraLayers = 0, CancellationToken cancellationToken = default, RegistryServer? registry = null)
    {
        registry ??= Registry;
        using var client = registry.CreateClient();
        await TestImagePusher.PushAsync(client, repository, "1.0", Image(variant, extraLayers), cancellationToken: cancellationToken);
        return $"{registry.Host}/{repository}:1.0";
    }

    /// <summary>The image <see cref="PushAsync"/> pushes, with its layers' digests.</summary>
    public static PushableImage Image(int variant, int extraLayers = 0)
    {
        var builder = new PushableImageBuilder()
            .WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"),
                ("lib/apk/db/installed", "P:zlib\nV:1.3-r0\nA:x86_64\no:zlib\n\nP:busybox\nV:1.36.1-r5\nA:x86_64\no:busybox\n\n"))
            .WithLayer(("app/.env", $"AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM{variant % 10}\n"), ("app/id.txt", $"variant {variant}\n"));
        for (var i = 0; i < extraLayers; i++)
        {
            builder = builder.WithLayer(($"data/blob{i}.txt", string.Concat(Enumerable.Repeat($"{variant}-{i} filler line\n", 20_000))));
        }

        return builder.Build();
    }

    /// <summary>Server settings for a test: this kit's cache (and database), its own store, <paramref name="workers"/> in-process workers.</summary>
    public Dictionary<string, string> Settings(int workers, string? store = null) => new(StringComparer.Ordinal)
    {
        ["Comb:CacheDir"] = CacheDir,
        ["Comb:Store"] = store ?? Path.Combine(Root, "stores", Guid.NewGuid().ToString("N") + ".db"),
        ["Comb:Workers"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Comb:PollSeconds"] = "0.2",
        ["Comb:LeaseSeconds"] = "5",
    };

    /// <summary>Polls a scan's status until it is finished.</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient client, string id, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        while (true)
        {
            var response = await client.GetAsync($"/api/v1/scans/{id}", timeout.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
            if (status.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled")
            {
                return status;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a process killed by a test may still be letting go of a file; the temp cleaner takes the rest
        }
    }
}
