using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Comb.Contracts;
using Comb.Engine;
using Comb.Server;
using Comb.Server.Auth;
using Comb.Testing.Images;
using Comb.VulnDb.Database;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Console.Tests;

/// <summary>
/// The real server (same Program and services) with its own cache and SQLite store, its clock in the test's hands,
/// and real history: an advisory database imported from a small OSV feed and small images scanned by the server's
/// own engine. "shop" (lodash 4.17.15, vulnerable) is scanned twice, "web" (lodash 4.17.21) once, and an image whose
/// name and whose package's advisory text carry markup, to prove the pages escape them.
/// </summary>
public sealed class ConsoleServer : WebApplicationFactory<Program>
{
    public const string LodashCve = "CVE-2020-8203";
    public const string EvilCve = "CVE-2099-6666";

    /// <summary>Markup in the image's name: runs script if a page ever writes it unescaped.</summary>
    public const string HostileName = "evil<img src=x onerror=window.__pwned=1>";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "comb-console-" + Guid.NewGuid().ToString("N"));

    private readonly int _workers;

    /// <param name="kestrel">Listen on a loopback port (for a browser) instead of the in-memory transport.</param>
    /// <param name="workers">In-process scan workers (0: scans stay queued).</param>
    public ConsoleServer(bool kestrel = false, int workers = 0)
    {
        _workers = workers;
        Directory.CreateDirectory(_dir);
        if (kestrel)
        {
            UseKestrel(0);
        }
    }

    public TestClock Clock { get; } = new();

    public string Root => _dir;

    public string ShopDigest { get; private set; } = "";

    public string WebDigest { get; private set; } = "";

    public string EvilDigest { get; private set; } = "";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Comb:CacheDir", Path.Combine(_dir, "cache"));
        builder.UseSetting("Comb:Workers", _workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Comb:PollSeconds", "0.2");
        builder.UseSetting("Comb:Listen", "http://127.0.0.1:0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

    public async Task<string> TokenAsync(string role)
    {
        var issued = await Services.GetRequiredService<ApiTokens>().CreateAsync(role, "test " + role, "test", CancellationToken.None);
        return issued.Secret;
    }

    /// <summary>A client carrying a fresh token of the role as a bearer header (null: none), following no redirects.</summary>
    public async Task<HttpClient> ClientAsync(string? role)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (role is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(role));
        }

        return client;
    }

    public async Task SeedAsync(CancellationToken ct)
    {
        await ImportDbAsync(ct);
        var shop = BuildImage("shop", [("lodash", "4.17.15")]);
        var first = await ScanAsync(shop, ct);
        await ScanAsync(shop, ct);
        ShopDigest = Storage.DigestOf.Image(first.Image);
        WebDigest = Storage.DigestOf.Image((await ScanAsync(BuildImage("web", [("lodash", "4.17.21")]), ct)).Image);
        EvilDigest = Storage.DigestOf.Image((await ScanAsync(BuildImage(HostileName, [("evil-pkg", "1.0.0"), ("lodash", "4.17.21")]), ct)).Image);
    }

    private async Task ImportDbAsync(CancellationToken ct)
    {
        var feeds = Path.Combine(_dir, "feeds");
        var npm = Directory.CreateDirectory(Path.Combine(feeds, "osv", "npm")).FullName;
        using (var zip = ZipFile.Open(Path.Combine(npm, "all.zip"), ZipArchiveMode.Create))
        {
            Add(zip, "GHSA-p6mc-m468-83gw", LodashCve, "lodash", "4.17.19", "Prototype pollution in lodash", "zipObjectDeep pollutes the prototype.");
            Add(zip, "GHSA-evil-evil-evil", EvilCve, "evil-pkg", "1.0.1", "<script>window.__pwned=1</script> summary",
                "Details with <img src=x onerror=window.__pwned=1> and <script>window.__pwned=1</script>.");
        }

        var cacheDir = Services.GetRequiredService<ServerLocations>().CacheDir;
        await new DbImporter(Clock).ImportAsync(feeds, AdvisoryDbLocation.Resolve(null, cacheDir), ct);
    }

    private string BuildImage(string name, IReadOnlyList<(string Name, string Version)> packages)
    {
        var dir = Path.Combine(_dir, "images", name);
        var entries = string.Join(",\n", packages.Select(p => $$"""    "node_modules/{{p.Name}}": { "version": "{{p.Version}}" }"""));
        var lockFile = $$"""
            {
              "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
              "packages": {
                "": { "name": "app", "version": "1.0.0" },
            {{entries}}
              }
            }
            """;
        new TestImage()
            .Layer(l => l.By("ADD app /app").File("app/package-lock.json", lockFile))
            .Layer(l => l.By("RUN echo <b>ready</b>").File("etc/ready", "yes\n"))
            .WriteOciLayout(dir);
        return "oci:" + dir;
    }

    private async Task<ScanReport> ScanAsync(string reference, CancellationToken ct)
    {
        var locations = Services.GetRequiredService<ServerLocations>();
        var scanner = Services.GetRequiredService<ImageScanner>();
        var report = await scanner.ScanAsync(reference, new ScanOptions { CacheDir = locations.CacheDir, StorePath = locations.Store, Trigger = "test" }, null, ct);
        Assert.NotNull(report.ScanId);
        return report;
    }

    private static void Add(ZipArchive zip, string id, string cve, string package, string fixedIn, string summary, string details)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new
        {
            id, aliases = new[] { cve }, modified = "2024-01-01T00:00:00Z", summary, details,
            affected = new[] { new { package = new { ecosystem = "npm", name = package }, ranges = new[] { new { type = "ECOSYSTEM", events = new object[] { new { introduced = "0" }, new { @fixed = fixedIn } } } } } },
            severity = new[] { new { type = "CVSS_V3", score = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" } },
        });
        using var writer = new StreamWriter(zip.CreateEntry(id + ".json").Open(), new UTF8Encoding(false));
        writer.Write(json);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open is left to the temp cleaner
        }
    }
}

/// <summary>
/// The real time plus what the test moved it by (exception and session expiry). It keeps running: the server's key ring
/// and the engine's report stamps read the same time, so nothing the server made a moment ago looks like the future.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private TimeSpan _offset;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + _offset;

    public void Advance(TimeSpan by) => _offset += by;
}

/// <summary>One seeded server shared by a test class.</summary>
public sealed class SeededConsole : IAsyncLifetime
{
    public ConsoleServer Server { get; } = new();

    public async ValueTask InitializeAsync() => await Server.SeedAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
