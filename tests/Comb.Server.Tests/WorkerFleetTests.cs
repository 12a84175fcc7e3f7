using Comb.Jobs;
using Comb.Storage;
using Comb.Testing.Services;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Comb.Server.Tests;

/// <summary>`comb worker` processes sharing one real PostgreSQL as store and queue.</summary>
public sealed class WorkerFleetTests(ScanKit kit, PostgresServer postgres) : IClassFixture<ScanKit>
{
    private const int Jobs = 200;
    private const int Images = 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_workers_do_200_scans_each_exactly_once_and_a_worker_killed_mid_scan_has_its_scan_finished_by_another()
    {
        var url = postgres.NewDatabaseUrl();
        var images = new List<string>();
        for (var i = 0; i < Images; i++)
        {
            images.Add(await kit.PushAsync($"fleet/app{i}", 200 + i, extraLayers: 1, cancellationToken: Ct));
        }

        // The API alone (no in-process workers) takes the submissions; each (image, exit code) pair is distinct work.
        await using var api = new ServerFactory(kit.Settings(workers: 0, store: url));
        using var scanner = await api.ClientAsync("scanner");
        var ids = new List<string>();
        for (var i = 0; i < Jobs; i++)
        {
            ids.Add(await ScanApiTests.SubmitAsync(scanner, new { image = images[i % Images], insecureRegistry = true, exitCode = i / Images }));
        }

        Assert.Equal(Jobs, ids.Distinct().Count());
        var environment = new Dictionary<string, string> { ["Comb__LeaseSeconds"] = "3", ["Comb__PollSeconds"] = "0.2" };
        var workers = Enumerable.Range(0, 3)
            .Select(_ => CombProcess.Start(["worker", "--store", url, "--cache-dir", kit.CacheDir, "--workers", "2"], environment)).ToList();
        try
        {
            await using var queue = await JobQueue.OpenAsync(url, new JobQueueOptions(), Ct);
            await using var db = JobDb.Create(url);
            var victim = workers[0];
            var owner = $"{Environment.MachineName}/{victim.Id}";

            // Stopped (SIGSTOP) while it holds a scan, so what it holds cannot finish, then killed: those scans are orphaned
            // and must finish on another worker. A worker caught between two scans is let go on and stopped again.
            var orphans = new List<string>();
            await ServerProcessTests.WaitUntilAsync(async () =>
            {
                victim.Pause(stop: true);
                orphans = await RunningOfAsync(db, owner);
                if (orphans.Count == 0)
                {
                    victim.Pause(stop: false);
                    await Task.Delay(20, Ct);
                }

                return orphans.Count > 0;
            });
            victim.Kill();

            await ServerProcessTests.WaitUntilAsync(async () =>
            {
                var counts = await queue.CountByStateAsync(Ct);
                return counts[JobState.Succeeded] + counts[JobState.Failed] + counts[JobState.Dead] + counts[JobState.Cancelled] == Jobs;
            });

            var records = new List<JobRecord>();
            foreach (var id in ids)
            {
                records.Add((await queue.GetAsync(id, Ct))!);
            }

            Assert.All(records, r => Assert.True(r.State == JobState.Succeeded, $"{r.Id}: {r.State} {r.LastError}"));
            foreach (var orphan in orphans)
            {
                var record = records.Single(r => r.Id == orphan);
                Assert.True(record.Attempts >= 2, $"{orphan} finished by its killed worker?");
            }

            await using var store = await ScanStore.OpenAsync(url, Ct);
            var recorded = await store.ListAsync(new HistoryQuery { Limit = 1000 }, Ct);
            Assert.Equal(Jobs, recorded.Count);
            Assert.Equal(records.Select(r => Scans.ScanJobResult.FromJson(r.Result)!.ScanId).Order(), recorded.Select(s => s.Id).Order());

            // The survivors stop gracefully on SIGTERM.
            foreach (var worker in workers.Skip(1))
            {
                Assert.Equal(0, await worker.TerminateAsync(TimeSpan.FromSeconds(60)));
            }
        }
        catch (Exception) when (Dump(workers))
        {
            throw;
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private static async Task<List<string>> RunningOfAsync(JobDb db, string owner)
    {
        await using var connection = await db.OpenAsync(Ct);
        await using var command = JobDb.Command(connection, null, "SELECT id FROM jobs WHERE state = 'running' AND lease_owner = @o", [("o", owner)]);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Puts the workers' output beside a failure (never handles it).</summary>
    private static bool Dump(IEnumerable<CombProcess> workers)
    {
        foreach (var worker in workers)
        {
            TestContext.Current.SendDiagnosticMessage($"worker {worker.Id}:\n{worker.Output}");
        }

        return false;
    }
}
