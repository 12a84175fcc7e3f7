using System.Collections.Concurrent;
using Comb.Contracts;
using Comb.Engine.Cache;
using Comb.Engine.Logging;
using Comb.Testing.Images;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Comb.Engine.Tests;

/// <summary>What a long-running host sees in its log: slow analyzers and cache evictions, through the logging AddComb sets up.</summary>
public sealed class EngineLoggingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("comb-log-").FullName;

    [Fact]
    public async Task A_host_logger_is_told_of_slow_analyzers_and_of_cache_evictions()
    {
        var ct = TestContext.Current.CancellationToken;
        var cache = Path.Combine(_root, "cache");
        var first = WriteImage("a", "left-pad");
        var second = WriteImage("b", "right-pad");
        var recorder = new RecordingLoggerProvider();
        var writer = new StringWriter();
        var services = new ServiceCollection()
            .AddComb(host =>
            {
                host.CacheDir = cache;
                host.LogLevel = LogLevel.Information;
                host.LogWriter = writer;
                host.SlowAnalyzerThreshold = TimeSpan.Zero; // every call is "slow": the log line is what is tested, not the clock
            })
            .AddLogging(logging => logging.AddProvider(recorder))
            .BuildServiceProvider();
        await using (services)
        {
            var scanner = services.GetRequiredService<ImageScanner>();
            var options = new ScanOptions { Scanners = new HashSet<string>(), NoStore = true };
            await scanner.InventoryAsync(first, options, null, ct);

            // Room for one layer's entry and a half: the second image's entry evicts the first's.
            var layers = new LayerCache(cache);
            layers.SetMaxSize(layers.Info().Bytes * 3 / 2);
            await scanner.InventoryAsync(second, options, null, ct);
            Assert.Equal(1, layers.Info().Entries);
        }

        var slow = recorder.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("on app/package.json", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(slow);
        Assert.All(slow, e => Assert.StartsWith("slow analyzer ", e.Message, StringComparison.Ordinal));
        Assert.All(slow, e => Assert.StartsWith(CombLogging.Category + ".", e.Category, StringComparison.Ordinal));
        var evicted = Assert.Single(recorder.Entries, e => e.Message.Contains("evicted", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, evicted.Level);
        Assert.Contains("evicted 1 least recently used entries", evicted.Message, StringComparison.Ordinal);

        // The host's writer (the CLI's standard error) has the same lines, one each, and no HTTP or library chatter.
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("warning: slow analyzer ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("info: layer cache ", StringComparison.Ordinal));
        Assert.Equal(recorder.Entries.Count(e => e.Category.StartsWith(CombLogging.Category, StringComparison.Ordinal)), lines.Length);
    }

    [Fact]
    public async Task Without_a_level_the_writer_of_a_cli_host_stays_silent()
    {
        var writer = new StringWriter();
        var services = new ServiceCollection().AddComb(host =>
        {
            host.CacheDir = Path.Combine(_root, "cache");
            host.LogLevel = LogLevel.None;
            host.LogWriter = writer;
            host.SlowAnalyzerThreshold = TimeSpan.Zero;
        }).BuildServiceProvider();
        await using (services)
        {
            await services.GetRequiredService<ImageScanner>().InventoryAsync(WriteImage("a", "left-pad"),
                new ScanOptions { Scanners = new HashSet<string>(), NoStore = true }, null, TestContext.Current.CancellationToken);
        }

        Assert.Equal("", writer.ToString());
    }

    [Theory]
    [InlineData("warning", LogLevel.Warning)]
    [InlineData(" Info ", LogLevel.Information)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("off", LogLevel.None)]
    [InlineData("loud", null)]
    [InlineData(null, null)]
    public void Levels_parse_from_the_environment_variables_words(string? text, LogLevel? expected) => Assert.Equal(expected, CombLogging.Parse(text));

    /// <summary>An OCI layout with one layer holding a package.json (the npm analyzer reads it).</summary>
    private string WriteImage(string name, string package)
    {
        var dir = Path.Combine(_root, name);
        new TestImage().Layer(l => l.File("app/package.json", $"{{\"name\":\"{package}\",\"version\":\"1.0.0\"}}")).WriteOciLayout(dir);
        return "oci:" + dir;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed record Entry(string Category, LogLevel Level, string Message);

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Recorder(RecordingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception)));
        }
    }
}
