using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Admission;
using Comb.Server.Data;
using Comb.Testing.Services;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests.Admission;

/// <summary>
/// What several webhook replicas and a long-running one need: decisions shared through one PostgreSQL store (a decision
/// one replica made is a cache hit for another, until it expires), and a serving certificate that is read again when
/// its files are rotated, for new connections, without a restart.
/// </summary>
public sealed class AdmissionReplicaTests(AdmissionKit kit, PostgresServer postgres) : IClassFixture<AdmissionKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_decision_made_by_one_replica_is_a_cache_hit_for_another_on_the_shared_store_until_it_expires()
    {
        var url = postgres.NewDatabaseUrl();
        await using var first = await kit.StartAsync(store: url);
        await using var second = await kit.StartAsync(store: url, workers: 0);
        Assert.True(first.App.Services.GetRequiredService<DecisionCache>().Shared);

        using (var client = first.Client())
        {
            var (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-replica-1", Reviews.Pod(kit.WithSecret)), cancellationToken: Ct);
            Assert.False(Reviews.Response(body, "uid-replica-1").GetProperty("allowed").GetBoolean());
        }

        // The second replica has no worker, so it could not scan: its answer is the first one's decision, from the store.
        string secondMessage;
        using (var client = second.Client())
        {
            var (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-replica-2", Reviews.Pod(kit.WithSecret)), cancellationToken: Ct);
            var response = Reviews.Response(body, "uid-replica-2");
            Assert.False(response.GetProperty("allowed").GetBoolean());
            secondMessage = response.GetProperty("status").GetProperty("message").GetString()!;
            Assert.Contains("policy rule block-secrets", secondMessage, StringComparison.Ordinal);
        }

        using var viewer = await second.ApiClientAsync("viewer");
        var audited = (await viewer.GetFromJsonAsync<JsonElement>("/api/v1/admission/decisions", Ct)).EnumerateArray().ToDictionary(e => e.GetProperty("uid").GetString()!);
        Assert.False(audited["uid-replica-1"].GetProperty("cached").GetBoolean());
        Assert.True(audited["uid-replica-2"].GetProperty("cached").GetBoolean());
        Assert.Equal(audited["uid-replica-1"].GetProperty("scanId").GetString(), audited["uid-replica-2"].GetProperty("scanId").GetString());

        // One row, keyed by the pinned image, the policy version and the advisory database version, with its expiry.
        var database = first.App.Services.GetRequiredService<ServerDatabase>();
        await using (var connection = await database.OpenConnectionAsync(Ct))
        {
            await using var command = JobDb.Command(connection, null, "SELECT image, policy_version, db_version, created_at, expires_at FROM admission_decision_cache", []);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal($"{kit.WithSecret[..kit.WithSecret.LastIndexOf(':')]}@{kit.Digests[kit.WithSecret]}", reader.GetString(0));
            Assert.Equal(first.App.Services.GetRequiredService<AdmissionPolicy>().Version(), reader.GetString(1));
            Assert.Equal(600_000, JobDb.ToLong(reader.GetValue(4)) - JobDb.ToLong(reader.GetValue(3)));
            Assert.False(await reader.ReadAsync(Ct));
        }

        // Expired in the store: a replica that has no copy of its own judges again (from the shared scan) and caches anew.
        await using (var connection = await database.OpenConnectionAsync(Ct))
        {
            await JobDb.ExecuteAsync(connection, null, "UPDATE admission_decision_cache SET expires_at = @past", Ct, ("past", DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds()));
        }

        await using var third = await kit.StartAsync(store: url, workers: 0);
        using (var client = third.Client())
        {
            var (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-replica-3", Reviews.Pod(kit.WithSecret)), cancellationToken: Ct);
            Assert.Contains("policy rule block-secrets", Reviews.Response(body, "uid-replica-3").GetProperty("status").GetProperty("message").GetString()!, StringComparison.Ordinal);
        }

        audited = (await viewer.GetFromJsonAsync<JsonElement>("/api/v1/admission/decisions", Ct)).EnumerateArray().ToDictionary(e => e.GetProperty("uid").GetString()!);
        Assert.False(audited["uid-replica-3"].GetProperty("cached").GetBoolean());
        await using (var connection = await database.OpenConnectionAsync(Ct))
        {
            var expires = await JobDb.ScalarAsync(connection, null, "SELECT expires_at FROM admission_decision_cache", Ct);
            Assert.True(JobDb.ToLong(expires!) > DateTimeOffset.UtcNow.AddSeconds(500).ToUnixTimeMilliseconds(), "the judged decision is cached again");
        }
    }

    [Fact]
    public async Task A_rotated_serving_certificate_is_served_to_new_connections_without_a_restart()
    {
        var dir = Directory.CreateTempSubdirectory("comb-admission-rotate-").FullName;
        try
        {
            var before = AdmissionCertificates.Create("comb-admission", "comb-system", ["127.0.0.1"], TimeSpan.FromDays(2), TimeProvider.System);
            await before.WriteAsync(dir, Ct);
            await using var server = await kit.StartAsync(certDir: dir);
            var address = server.Address.ToString();
            Assert.Equal(Serial(before.Certificate), await ServedSerialAsync(address));

            // cert-manager writes a new pair; half-way (a new certificate, the old key) the last good pair is still served.
            var after = AdmissionCertificates.Create("comb-admission", "comb-system", ["127.0.0.1"], TimeSpan.FromDays(2), TimeProvider.System);
            await File.WriteAllTextAsync(Path.Combine(dir, AdmissionCertificateSet.CertificateFile), after.Certificate, Ct);
            await Task.Delay(ServingCertificate.CheckInterval * 1.5, Ct);
            Assert.Equal(Serial(before.Certificate), await ServedSerialAsync(address));

            await File.WriteAllTextAsync(Path.Combine(dir, AdmissionCertificateSet.KeyFile), after.Key, Ct);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            string served;
            while ((served = await ServedSerialAsync(address)) != Serial(after.Certificate) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, Ct);
            }

            Assert.Equal(Serial(after.Certificate), served);

            // And the webhook answers over it, to a client that trusts only the new CA.
            using var ca = X509Certificate2.CreateFromPem(after.CaCertificate);
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => Chains(cert!, ca) };
            using var client = new HttpClient(handler) { BaseAddress = new Uri(address) };
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/healthz", Ct)).StatusCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Serial(string pem)
    {
        using var cert = X509Certificate2.CreateFromPem(pem);
        return cert.GetSerialNumberString();
    }

    /// <summary>The serial number of the certificate a new TLS connection is served.</summary>
    private static async Task<string> ServedSerialAsync(string address)
    {
        var uri = new Uri(address);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port, Ct);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "comb-admission.comb-system.svc" }, Ct);
        return tls.RemoteCertificate!.GetSerialNumberString();
    }

    private static bool Chains(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
