using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Comb.Server.Scans;
using Comb.Testing.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

/// <summary>
/// Registry credentials sent with a scan are sealed with the server's data-protection keys before the job is a row: the
/// store never holds the password, a worker sharing the key directory unseals it and pulls from a registry that needs
/// it, and a host with other keys cannot.
/// </summary>
public sealed class CredentialSealTests(ScanKit kit) : IClassFixture<ScanKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Credentials_are_sealed_in_the_queue_and_unsealed_by_a_worker_that_shares_the_key_directory()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Basic, Ct);
        var image = await kit.PushAsync("private/app", 51, cancellationToken: Ct, registry: registry);
        var credentials = new Dictionary<string, object> { [registry.Host] = new { username = RegistryServer.Username, password = RegistryServer.Password } };
        var store = Path.Combine(kit.Root, "stores", $"sealed-{Guid.NewGuid():N}.db");
        await using (var api = new ServerFactory(kit.Settings(workers: 0, store)))
        {
            await SealAndRunAsync(api, image, credentials, store);
        }

        // The whole store, read once no connection of this process holds it (closing a file SQLite has open would drop
        // its locks): the password is nowhere in it.
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(store)!, Path.GetFileName(store) + "*"))
        {
            Assert.DoesNotContain(RegistryServer.Password, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, Ct)), StringComparison.Ordinal);
        }
    }

    private async Task SealAndRunAsync(ServerFactory api, string image, Dictionary<string, object> credentials, string store)
    {
        using var scanner = await api.ClientAsync("scanner");
        var id = await ScanApiTests.SubmitAsync(scanner, new { image, insecureRegistry = true, registryCredentials = credentials });
        var queue = await api.Services.GetRequiredService<ScanQueue>().GetAsync(Ct);
        var payload = (await queue.GetAsync(id, Ct))!.Payload;
        Assert.DoesNotContain(RegistryServer.Password, payload, StringComparison.Ordinal);
        Assert.DoesNotContain("registryCredentials", payload, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(payload).RootElement.GetProperty("sealedCredentials").GetString()));

        // The keys are in the cache directory's server/keys, which a worker with the same --cache-dir finds.
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(kit.CacheDir, "server", "keys"), "key-*.xml"));
        using (var worker = CombProcess.Start(["worker", "--store", store, "--cache-dir", kit.CacheDir, "--workers", "1"], new Dictionary<string, string> { ["Comb__PollSeconds"] = "0.2" }))
        {
            var done = await ScanKit.WaitAsync(scanner, id, Ct);
            Assert.True(done.GetProperty("status").GetString() == "succeeded", done.GetRawText() + "\n" + worker.Output);
            var report = await scanner.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}/report", Ct);
            Assert.Contains(report.GetProperty("vulnerabilities").EnumerateArray(), v => v.GetProperty("id").GetString() == ScanKit.Cve);
            Assert.Equal(0, await worker.TerminateAsync(TimeSpan.FromSeconds(60)));
        }

        // A host with another key ring cannot unseal (and says what to share); without credentials the registry refuses.
        var sealedElsewhere = await ScanApiTests.SubmitAsync(scanner, new { image, insecureRegistry = true, registryCredentials = credentials, exitCode = 3 });
        var anonymous = await ScanApiTests.SubmitAsync(scanner, new { image, insecureRegistry = true, exitCode = 4 });
        var other = kit.Settings(workers: 1, store);
        other["Comb:KeyRingDir"] = Path.Combine(kit.Root, $"other-keys-{Guid.NewGuid():N}");
        await using var stranger = new ServerFactory(other);
        using var strangerClient = await stranger.ClientAsync("viewer");
        var refused = await ScanKit.WaitAsync(strangerClient, sealedElsewhere, Ct);
        Assert.Equal("failed", refused.GetProperty("status").GetString());
        Assert.Equal("bad-input", refused.GetProperty("error").GetProperty("kind").GetString());
        Assert.Contains("cannot be unsealed", refused.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var unauthorized = await ScanKit.WaitAsync(strangerClient, anonymous, Ct);
        Assert.Equal("failed", unauthorized.GetProperty("status").GetString());
        Assert.Equal("unauthorized", unauthorized.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Scans_with_credentials_are_never_merged_so_no_password_digest_is_kept()
    {
        await using var api = new ServerFactory(kit.Settings(workers: 0));
        using var scanner = await api.ClientAsync("scanner");
        var body = new { image = "registry.example/app:1.0", registryCredentials = new Dictionary<string, object> { ["registry.example"] = new { username = "u", password = "pw" } } };
        var first = await ScanApiTests.SubmitAsync(scanner, body);
        var second = await ScanApiTests.SubmitAsync(scanner, body);
        Assert.NotEqual(first, second);
        var queue = await api.Services.GetRequiredService<ScanQueue>().GetAsync(Ct);
        Assert.Null((await queue.GetAsync(first, Ct))!.DedupeKey);

        // Without credentials the same request still merges.
        var plain = new { image = "registry.example/app:1.0" };
        Assert.Equal(await ScanApiTests.SubmitAsync(scanner, plain), await ScanApiTests.SubmitAsync(scanner, plain));
    }
}
