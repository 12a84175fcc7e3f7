using System.Collections.Concurrent;
using System.Diagnostics;

namespace Comb.Engine.Walk;

/// <summary>
/// Where layer walks spend their time and bytes: reading and decompressing the tar versus each analyzer, and how
/// many bytes the analyzers were handed against the layers' size. Thread-safe and cheap (a timestamp pair per
/// read and per analyzer call); pass one to <see cref="ImageScanner"/> to collect, or none to skip it.
/// </summary>
public sealed class WalkMetrics
{
    private readonly ConcurrentDictionary<string, AnalyzerCounter> _analyzers = new(StringComparer.Ordinal);
    private long _readTicks;
    private long _walkTicks;
    private long _layerBytes;
    private long _entries;
    private long _filesToAnalyzers;
    private long _bytesToAnalyzers;
    private long _layers;
    private long _rereads;
    private long _rereadTicks;

    /// <summary>Time the walks spent reading the tar stream (decompression, skipping unwanted data, buffering wanted files).</summary>
    public TimeSpan ReadTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _readTicks));

    /// <summary>Wall time of the walks, summed over layers (layers walk in parallel, so this can exceed the scan's wall time).</summary>
    public TimeSpan WalkTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _walkTicks));

    /// <summary>Time inside analyzers, summed over calls (they run on parallel workers while the tar streams).</summary>
    public TimeSpan AnalyzerTime => Stopwatch.GetElapsedTime(0, _analyzers.Values.Sum(a => Interlocked.Read(ref a.Ticks)));

    public long LayersWalked => Interlocked.Read(ref _layers);

    /// <summary>Uncompressed bytes of regular files in the walked layers.</summary>
    public long LayerBytes => Interlocked.Read(ref _layerBytes);

    public long Entries => Interlocked.Read(ref _entries);

    /// <summary>Layers read a second time for the targets of hard links some analyzer wanted.</summary>
    public long LayersReread => Interlocked.Read(ref _rereads);

    /// <summary>Files some analyzer asked for (each counted once, however many analyzers wanted it).</summary>
    public long FilesToAnalyzers => Interlocked.Read(ref _filesToAnalyzers);

    /// <summary>Bytes of the files some analyzer asked for: the part of the layers that was buffered and read.</summary>
    public long BytesToAnalyzers => Interlocked.Read(ref _bytesToAnalyzers);

    /// <summary>Per analyzer: calls, time and bytes handed to it, slowest first.</summary>
    public IReadOnlyList<AnalyzerTiming> Analyzers =>
        [.. _analyzers.Select(a => new AnalyzerTiming(a.Key, Interlocked.Read(ref a.Value.Calls), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref a.Value.Ticks)), Interlocked.Read(ref a.Value.Bytes)))
            .OrderByDescending(a => a.Time).ThenBy(a => a.Id, StringComparer.Ordinal)];

    /// <summary>Variable that, set to 1, makes a scan collect these figures and print them to standard error (profiling the walk).</summary>
    public const string EnvironmentVariable = "COMB_WALK_METRICS";

    /// <summary>A collector when <see cref="EnvironmentVariable"/> is 1, else none.</summary>
    public static WalkMetrics? FromEnvironment() => Environment.GetEnvironmentVariable(EnvironmentVariable) == "1" ? new WalkMetrics() : null;

    /// <summary>Writes the figures as a few lines of text.</summary>
    public void WriteTo(TextWriter writer)
    {
        writer.WriteLine($"walk: {LayersWalked} layers, {Entries} entries, {LayerBytes / 1048576.0:0.0} MiB; walk {WalkTime.TotalSeconds:0.000} s, read {ReadTime.TotalSeconds:0.000} s, analyzers {AnalyzerTime.TotalSeconds:0.000} s; "
            + $"{FilesToAnalyzers} files ({BytesToAnalyzers / 1048576.0:0.0} MiB) to analyzers");
        if (LayersReread > 0)
        {
            writer.WriteLine($"  {LayersReread} layers read again for hard links, {Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _rereadTicks)).TotalSeconds:0.000} s");
        }

        foreach (var a in Analyzers)
        {
            writer.WriteLine($"  {a.Id}: {a.Calls} calls, {a.Time.TotalSeconds:0.000} s, {a.Bytes / 1048576.0:0.0} MiB");
        }
    }

    internal void AddRead(long startTimestamp) => Interlocked.Add(ref _readTicks, Stopwatch.GetTimestamp() - startTimestamp);

    internal void AddReread(long startTimestamp)
    {
        Interlocked.Add(ref _rereadTicks, Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Increment(ref _rereads);
    }

    internal void AddWalk(long startTimestamp)
    {
        Interlocked.Add(ref _walkTicks, Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Increment(ref _layers);
    }

    internal void AddEntry(long size, bool wanted)
    {
        Interlocked.Increment(ref _entries);
        Interlocked.Add(ref _layerBytes, size);
        if (wanted)
        {
            Interlocked.Increment(ref _filesToAnalyzers);
            Interlocked.Add(ref _bytesToAnalyzers, size);
        }
    }

    internal void AddCall(string analyzerId, long startTimestamp, long bytes)
    {
        var counter = _analyzers.GetOrAdd(analyzerId, _ => new AnalyzerCounter());
        Interlocked.Add(ref counter.Ticks, Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Increment(ref counter.Calls);
        Interlocked.Add(ref counter.Bytes, bytes);
    }

    private sealed class AnalyzerCounter
    {
        public long Ticks;
        public long Calls;
        public long Bytes;
    }
}

/// <summary>One analyzer's share of the walks.</summary>
public sealed record AnalyzerTiming(string Id, long Calls, TimeSpan Time, long Bytes);
