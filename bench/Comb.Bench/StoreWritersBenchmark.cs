using System.Diagnostics;
using System.Globalization;
using Comb.Contracts;
using Comb.Storage;
using Comb.Testing.Services;
using Npgsql;

namespace Comb.Bench;

/// <summary>
/// WRITERS concurrent tasks each recording SCANS scans (one transaction each, as workers finishing jobs do) into one
/// PostgreSQL store, with the store's change mark as it is and with the mark made a no-op (its row removed, so the
/// UPDATE locks nothing), once with fsync off (as the tests run) and once with fsync on (a commit waits for its flush).
/// The difference is what writers pay to serialise on the mark. On a loaded machine throughput is mostly CPU, so a
/// sampler also counts, every 2 ms, the writers PostgreSQL shows waiting on a lock (a row or transaction lock).
/// </summary>
internal static class StoreWritersBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var writerCounts = args.Length > 0 ? args[0].Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray() : [1, 4, 8];
        var scansPerWriter = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var server = new PostgresServer();
        await server.InitializeAsync();
        try
        {
            Console.WriteLine($"store writers, PostgreSQL: {scansPerWriter} scans per writer, load average at start: {LoadAverage()}");
            Console.WriteLine();
            Console.WriteLine("| fsync | writers | change mark | scans/s | median commit | slowest commit | writers waiting on a lock (mean of samples) |");
            Console.WriteLine("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
            foreach (var fsync in new[] { false, true })
            {
                await SetFsyncAsync(server.NewDatabaseUrl(), fsync);
                foreach (var writers in writerCounts)
                {
                    foreach (var mark in new[] { true, false })
                    {
                        Console.WriteLine(await MeasureAsync(server.NewDatabaseUrl(), writers, scansPerWriter, mark, fsync));
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine($"load average at end: {LoadAverage()}");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<string> MeasureAsync(string url, int writers, int scansPerWriter, bool mark, bool fsync)
    {
        await using var store = await ScanStore.OpenAsync(url, CancellationToken.None);
        if (!mark)
        {
            await ExecAsync(url, "DELETE FROM store_changes");
        }

        // One warm-up scan per writer (connections, JIT), then the timed ones.
        var reports = Enumerable.Range(0, writers).Select(w => Enumerable.Range(0, scansPerWriter + 1).Select(s => ConsoleBenchmark.Report(w * 10_000 + s, s % 10, new Random(w * 7919 + s))).ToList()).ToList();
        await Task.WhenAll(reports.Select(r => store.RecordAsync(r[0], CancellationToken.None)));
        var commits = new List<double>[writers];
        using var stop = new CancellationTokenSource();
        var sampler = SampleLockWaitsAsync(url, stop.Token);
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            commits[w] = [];
            foreach (var report in reports[w].Skip(1))
            {
                var one = Stopwatch.StartNew();
                await store.RecordAsync(report, CancellationToken.None);
                commits[w].Add(one.Elapsed.TotalMilliseconds);
            }
        })));
        var elapsed = sw.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        var waiting = await sampler;
        var all = commits.SelectMany(c => c).Order().ToList();
        return $"| {(fsync ? "on" : "off")} | {writers} | {(mark ? "marked" : "none")} | {writers * scansPerWriter / elapsed:F0} | {all[all.Count / 2]:F1} ms | {all[^1]:F1} ms | {waiting:F2} |";
    }

    /// <summary>The mean number of backends of the store's database waiting on a heavyweight lock, sampled until stopped.</summary>
    private static async Task<double> SampleLockWaitsAsync(string url, CancellationToken stop)
    {
        await using var source = NpgsqlDataSource.Create(PostgresUrl.ToConnectionString(url));
        await using var connection = await source.OpenConnectionAsync(CancellationToken.None);
        long samples = 0, waiting = 0;
        while (!stop.IsCancellationRequested)
        {
            await using (var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection))
            {
                waiting += (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
            }

            samples++;
            try
            {
                await Task.Delay(2, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return samples == 0 ? 0 : (double)waiting / samples;
    }

    private static Task SetFsyncAsync(string url, bool on) =>
        ExecAsync(url, $"ALTER SYSTEM SET fsync = {(on ? "on" : "off")}; SELECT pg_reload_conf()");

    private static async Task ExecAsync(string url, string sql)
    {
        await using var source = NpgsqlDataSource.Create(PostgresUrl.ToConnectionString(url));
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
