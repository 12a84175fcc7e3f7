using System.Diagnostics;
using Comb.Contracts;
using Comb.Engine.Apply;
using Comb.Engine.Cache;
using Comb.Engine.Walk;
using Comb.Image;
using Comb.Image.Layers;
using Microsoft.Extensions.Logging;

namespace Comb.Engine;

/// <summary>
/// The scan pipeline: open the image, analyze each layer once (in parallel, cached by diffID and analyzer set),
/// stack the layers into an inventory, run the stages (matching, checks, trust), then make the report once:
/// present it through the user's filters, take the verdict on what is presented, and store it whole.
/// </summary>
public sealed class ImageScanner(
    ImageSourceResolver resolver,
    IEnumerable<IAnalyzerProvider> analyzerProviders,
    IEnumerable<IScanStage> stages,
    IEnumerable<IOsReleaseMerger> osMergers,
    IEnumerable<IReportFilter>? filters = null,
    IVerdictService? verdicts = null,
    IScanRecorder? recorder = null,
    CombHostOptions? host = null,
    ScanBudget? budget = null,
    LayerCacheBackends? cacheBackends = null,
    IEnumerable<IScanProgressSink>? sinks = null,
    ILogger<LayerWalker>? walkLogger = null)
{
    private readonly IScanProgressSink[] _sinks = [.. sinks ?? []];
    private readonly ScanBudget _budget = budget ?? ScanBudget.Unlimited;
    private readonly LayerCacheBackends _cacheBackends = cacheBackends ?? new LayerCacheBackends();

    /// <summary>Reads the image and builds its inventory, without the stages.</summary>
    public Task<ImageInventory> InventoryAsync(string reference, ScanOptions options, IProgress<ScanProgress>? progress, CancellationToken cancellationToken) =>
        InventoryAsync(reference, options, progress, null, cancellationToken);

    /// <summary>Reads the image and builds its inventory; <paramref name="metrics"/>, when given, collects where the layer walks spent time.</summary>
    public async Task<ImageInventory> InventoryAsync(string reference, ScanOptions options, IProgress<ScanProgress>? progress, WalkMetrics? metrics, CancellationToken cancellationToken)
    {
        progress = WithSinks(progress);
        using var slot = await _budget.EnterScanAsync(cancellationToken).ConfigureAwait(false);
        return await InventoryCoreAsync(reference, WithHostDefaults(options), progress, metrics, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ImageInventory> InventoryCoreAsync(string reference, ScanOptions options, IProgress<ScanProgress>? progress, WalkMetrics? metrics, CancellationToken cancellationToken)
    {
        var cache = new LayerCache(options.CacheDir ?? CacheDirectory.Default());
        var backend = await _cacheBackends.OpenAsync(options.CacheBackend, cache.Root, cancellationToken).ConfigureAwait(false);
        var fileAnalyzers = analyzerProviders.SelectMany(p => p.CreateFileAnalyzers(options)).ToList();
        var postAnalyzers = analyzerProviders.SelectMany(p => p.CreatePostAnalyzers(options)).ToList();
        try
        {
            return await WalkAndStackAsync(reference, options, progress, metrics, cache, backend, fileAnalyzers, postAnalyzers, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Analyzers may hold native resources for the scan (compiled YARA rules): freed when it ends.
            foreach (var analyzer in fileAnalyzers.Cast<object>().Concat(postAnalyzers))
            {
                if (analyzer is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                }
                else if (analyzer is IDisposable disposable)
                {
                    disposable.Dispose();
                }
            }
        }
    }

    private async Task<ImageInventory> WalkAndStackAsync(string reference, ScanOptions options, IProgress<ScanProgress>? progress, WalkMetrics? metrics, LayerCache cache,
        ILayerCacheBackend backend, List<IFileAnalyzer> fileAnalyzers, List<IPostAnalyzer> postAnalyzers, CancellationToken cancellationToken)
    {
        var configAnalyzers = analyzerProviders.SelectMany(p => p.CreateConfigAnalyzers(options)).ToList();
        var skipper = PathSkipper.From(options);
        var analyzerKey = LayerCache.AnalyzerSetKey(fileAnalyzers.Select(a => a.CacheKey).Concat(postAnalyzers.Select(a => a.CacheKey))
            .Concat(skipper.IsEmpty ? [] : [skipper.CacheKey]));

        await using var image = await resolver.OpenAsync(reference, OpenOptions(options, cache), cancellationToken).ConfigureAwait(false);
        var metadata = image.Metadata;
        StartupTrace.Mark("image opened");
        progress?.Report(new ScanProgress { Image = reference, Stage = "opened", LayerCount = metadata.Layers.Count });

        var walker = new LayerWalker(fileAnalyzers, postAnalyzers, cache.TempDir, metrics: metrics, skipper: skipper, budget: _budget,
            logger: walkLogger, slowAnalyzer: host?.SlowAnalyzerThreshold);
        LayerFacts[] facts;
        if (image is IDirectoryImage directory)
        {
            facts = [await walker.WalkDirectoryAsync(directory.RootPath, metadata.Layers[0], cancellationToken).ConfigureAwait(false)];
        }
        else
        {
            facts = new LayerFacts[metadata.Layers.Count];
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 2, 4), CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(metadata.Layers, parallel, async (layer, ct) =>
            {
                facts[layer.Index] = await LayerFactsAsync(image, layer, walker, backend, analyzerKey, options, progress, reference, metadata.Layers.Count, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        StartupTrace.Mark("layers read");
        var configResults = await ConfigResultsAsync(configAnalyzers, metadata, image is IDirectoryImage ? null : backend, cancellationToken).ConfigureAwait(false);

        var withSizes = SecretRedaction.Redact(metadata, [.. configResults.SelectMany(r => r.Secrets)]) with
        {
            Layers = [.. metadata.Layers.Select(l => l with { UncompressedSize = facts[l.Index].UncompressedSize })],
        };
        StartupTrace.Mark("config analyzed");
        var merger = osMergers.FirstOrDefault();
        var inventory = LayerApplier.Apply(withSizes, facts, configResults, merger is null ? null : merger.Merge);
        return inventory with { PackageSets = DevDependencies.Filter(inventory.PackageSets, options.IncludeDevDeps) };
    }

    /// <summary>Full scan: the whole report (as stored), the report as presented, and the verdict.</summary>
    public async Task<ScanOutcome> RunAsync(string reference, ScanOptions options, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        options = WithHostDefaults(options);
        progress = WithSinks(progress);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var slot = await _budget.EnterScanAsync(cancellationToken).ConfigureAwait(false);
            var metrics = WalkMetrics.FromEnvironment();
            var inventory = await InventoryCoreAsync(reference, options, progress, metrics, cancellationToken).ConfigureAwait(false);
            metrics?.WriteTo(Console.Error);
            progress?.Report(new ScanProgress { Image = reference, Stage = "analyzing" });
            var outcome = await EvaluateAsync(inventory, options, cancellationToken).ConfigureAwait(false);
            progress?.Report(new ScanProgress { Image = reference, Stage = "done", Elapsed = Stopwatch.GetElapsedTime(started) });
            return outcome;
        }
        catch (Exception ex)
        {
            var stage = ex is OperationCanceledException && cancellationToken.IsCancellationRequested ? "cancelled" : "failed";
            progress?.Report(new ScanProgress { Image = reference, Stage = stage, Elapsed = Stopwatch.GetElapsedTime(started) });
            throw;
        }
    }

    /// <summary>The caller's progress and the host's sinks as one (the caller's alone when the host has no sinks).</summary>
    private IProgress<ScanProgress>? WithSinks(IProgress<ScanProgress>? progress) =>
        _sinks.Length == 0 || progress is SinkedProgress ? progress : new SinkedProgress(progress, _sinks);

    private sealed class SinkedProgress(IProgress<ScanProgress>? inner, IScanProgressSink[] sinks) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value)
        {
            inner?.Report(value);
            foreach (var sink in sinks)
            {
                sink.Report(value);
            }
        }
    }

    /// <summary>Full scan; returns the whole report, with the verdict and (when stored) the scan id.</summary>
    public async Task<ScanReport> ScanAsync(string reference, ScanOptions options, IProgress<ScanProgress>? progress, CancellationToken cancellationToken) =>
        (await RunAsync(reference, options, progress, cancellationToken).ConfigureAwait(false)).Report;

    /// <summary>The stages over an inventory, then one report: presented, judged and (unless NoStore) stored whole.</summary>
    public async Task<ScanOutcome> EvaluateAsync(ImageInventory inventory, ScanOptions options, CancellationToken cancellationToken)
    {
        options = WithHostDefaults(options);
        StartupTrace.Mark("layers stacked");
        var context = new ScanContext(inventory, options);
        foreach (var stage in stages.Where(s => s.IsEnabled(options)).OrderBy(s => s.Order))
        {
            await stage.RunAsync(context, cancellationToken).ConfigureAwait(false);
            StartupTrace.Mark("stage " + stage.GetType().Name);
        }

        var whole = ReportOf(context);
        var presented = (filters ?? []).Aggregate(whole, (report, filter) => filter.Apply(report, options));
        var verdict = verdicts is null ? ScanVerdict.Pass : await verdicts.DecideAsync(presented, options, cancellationToken).ConfigureAwait(false);
        whole = WithVerdict(whole, verdict);
        presented = WithVerdict(presented, verdict);
        if (!options.NoStore && recorder is not null)
        {
            var id = await recorder.RecordAsync(whole, options, cancellationToken).ConfigureAwait(false);
            whole = whole with { ScanId = id };
            presented = presented with { ScanId = id };
        }

        return new ScanOutcome(whole, presented, verdict);
    }

    /// <summary>Runs the stages over an inventory (also used to re-check stored inventories without pulling); returns the whole report.</summary>
    public async Task<ScanReport> RunStagesAsync(ImageInventory inventory, ScanOptions options, CancellationToken cancellationToken) =>
        (await EvaluateAsync(inventory, options, cancellationToken).ConfigureAwait(false)).Report;

    private static ScanReport WithVerdict(ScanReport report, ScanVerdict verdict) => report with
    {
        Policy = verdict.Policy,
        Diagnostics = verdict.Diagnostics.Count == 0 ? report.Diagnostics : [.. report.Diagnostics, .. verdict.Diagnostics],
    };

    private ScanOptions WithHostDefaults(ScanOptions options) => host is null ? options : options with
    {
        CacheDir = options.CacheDir ?? host.CacheDir,
        CacheBackend = options.CacheBackend ?? host.CacheBackend,
        StorePath = options.StorePath ?? host.StoreLocation,
    };

    public static ScanReport ReportOf(ScanContext context) => context.ToReport();

    private static async Task<LayerFacts> LayerFactsAsync(IImage image, LayerDescriptor layer, LayerWalker walker, ILayerCacheBackend cache, string analyzerKey,
        ScanOptions options, IProgress<ScanProgress>? progress, string reference, int count, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        LayerFacts Cached(LayerFacts facts)
        {
            progress?.Report(new ScanProgress
            {
                Image = reference, Stage = "layer-cached", Layer = layer.DiffId, LayerIndex = layer.Index, LayerCount = count, Elapsed = Stopwatch.GetElapsedTime(started),
            });
            return facts;
        }

        if (await cache.GetAsync(layer.DiffId, analyzerKey, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return Cached(cached);
        }

        // A shared backend lets one host analyse the layer while the others wait for its entry.
        var turn = await cache.TakeTurnAsync(layer.DiffId, analyzerKey, cancellationToken).ConfigureAwait(false);
        await using var _ = turn.ConfigureAwait(false);
        if (turn.Facts is { } written)
        {
            return Cached(written);
        }

        progress?.Report(new ScanProgress { Image = reference, Stage = "layer-start", Layer = layer.DiffId, LayerIndex = layer.Index, LayerCount = count, Bytes = layer.Size });
        var blob = await image.OpenLayerBlobAsync(layer, cancellationToken).ConfigureAwait(false);
        LayerFacts facts;
        await using (blob.ConfigureAwait(false))
        {
            await using var tar = await LayerStreams.OpenTarAsync(blob, layer, options.MaxLayerBytes, cancellationToken).ConfigureAwait(false);
            facts = await walker.WalkTarAsync(tar, layer, ct => ReopenTarAsync(image, layer, options, ct), cancellationToken).ConfigureAwait(false);

            // Read to the very end so both digests (blob and diffID) are checked before the facts are trusted.
            await DrainAsync(tar, cancellationToken).ConfigureAwait(false);
            await DrainAsync(blob, cancellationToken).ConfigureAwait(false);
        }

        await cache.PutAsync(analyzerKey, facts, cancellationToken).ConfigureAwait(false);
        progress?.Report(new ScanProgress
        {
            Image = reference, Stage = "layer-done", Layer = layer.DiffId, LayerIndex = layer.Index, LayerCount = count, Bytes = facts.UncompressedSize,
            Elapsed = Stopwatch.GetElapsedTime(started),
        });
        return facts;
    }

    /// <summary>The layer's tar from its start again (the walk reads the targets of hard links this way); disposing it closes the blob.</summary>
    private static async Task<Stream> ReopenTarAsync(IImage image, LayerDescriptor layer, ScanOptions options, CancellationToken cancellationToken)
    {
        var blob = await image.OpenLayerBlobAsync(layer, cancellationToken).ConfigureAwait(false);
        try
        {
            return await LayerStreams.OpenTarAsync(blob, layer, options.MaxLayerBytes, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await blob.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The image config's analysis (secrets in ENV, labels and build history), kept in the layer cache under the config's
    /// digest like a layer's facts under its diffID: a warm scan then builds nothing the config analyzers need (the
    /// compiled secret rules). Not cached for a directory, whose config digest does not follow its content.
    /// </summary>
    private static async Task<IReadOnlyList<AnalysisResult>> ConfigResultsAsync(List<IConfigAnalyzer> analyzers, ImageMetadata metadata, ILayerCacheBackend? cache,
        CancellationToken cancellationToken)
    {
        if (analyzers.Count == 0)
        {
            return [];
        }

        var digest = metadata.ConfigDigest;
        var key = "config-" + LayerCache.AnalyzerSetKey(analyzers.Select(a => a.CacheKey));
        if (cache is not null && await cache.GetAsync(digest, key, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return [new AnalysisResult { Secrets = cached.Secrets, Diagnostics = cached.Diagnostics }];
        }

        var results = new List<AnalysisResult>();
        foreach (var analyzer in analyzers)
        {
            results.Add(await analyzer.AnalyzeAsync(metadata, cancellationToken).ConfigureAwait(false));
        }

        // Only secrets and diagnostics come from a config today; anything else is not kept rather than lost.
        if (cache is not null && results.All(r => r.Os is null && r.PackageSets.Count == 0 && r.Malware.Count == 0 && r.Notes.Count == 0 && r.Details.Count == 0))
        {
            var facts = new LayerFacts { DiffId = digest, Digest = digest, Secrets = [.. results.SelectMany(r => r.Secrets)], Diagnostics = [.. results.SelectMany(r => r.Diagnostics)] };
            await cache.PutAsync(key, facts, cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (await stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ImageOpenOptions OpenOptions(ScanOptions options, LayerCache cache) => new()
    {
        Platform = options.Platform,
        InsecureRegistry = options.InsecureRegistry,
        Username = options.Username,
        Password = options.Password,
        RegistryCredentials = options.RegistryCredentials,
        TempDir = cache.TempDir,
        StorageRoot = options.StorageRoot,
        ContainerdRoot = options.ContainerdRoot,
        ContainerdNamespace = options.ContainerdNamespace,
    };
}
