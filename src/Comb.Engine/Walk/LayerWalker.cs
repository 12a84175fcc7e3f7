using System.Buffers;
using System.Diagnostics;
using System.Formats.Tar;
using System.Threading.Channels;
using Comb.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Comb.Engine.Walk;

/// <summary>
/// One streaming pass over a layer: each tar entry is offered to the analyzers whose <see cref="IFileAnalyzer.IsRequired"/>
/// wants it; only wanted files are buffered (in memory up to a limit, else in a temp file), and analysis runs on a
/// bounded pool of workers while the tar keeps streaming. Files a post-analyzer wants are kept until the last entry,
/// then each post-analyzer sees its files of the layer together.
/// </summary>
public sealed partial class LayerWalker
{
    private const int InMemoryLimit = 16 * 1024 * 1024;

    private readonly IReadOnlyList<IFileAnalyzer> _analyzers;
    private readonly IReadOnlyList<IPostAnalyzer> _postAnalyzers;
    private readonly string _tempDir;
    private readonly int _workers;
    private readonly WalkMetrics? _metrics;
    private readonly PathSkipper _skipper;
    private readonly ScanBudget? _budget;
    private readonly ILogger _logger;
    private readonly TimeSpan _slow;

    public LayerWalker(IReadOnlyList<IFileAnalyzer> analyzers, string tempDir, int workers = 0)
        : this(analyzers, [], tempDir, workers, null)
    {
    }

    /// <param name="budget">The host's budget: in-memory file buffers wait for room in it, and one larger than all of it is spooled to disk.</param>
    /// <param name="logger">Where analyzer calls slower than <paramref name="slowAnalyzer"/> (default 10 s) are told.</param>
    public LayerWalker(IReadOnlyList<IFileAnalyzer> analyzers, IReadOnlyList<IPostAnalyzer> postAnalyzers, string tempDir, int workers = 0, WalkMetrics? metrics = null, PathSkipper? skipper = null, ScanBudget? budget = null,
        ILogger? logger = null, TimeSpan? slowAnalyzer = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _slow = slowAnalyzer ?? TimeSpan.FromSeconds(10);
        _budget = budget;
        _analyzers = analyzers;
        _postAnalyzers = postAnalyzers;
        _tempDir = tempDir;
        _workers = workers > 0 ? workers : Math.Max(1, Environment.ProcessorCount);
        _metrics = metrics;
        _skipper = skipper ?? PathSkipper.None;
    }

    public Task<LayerFacts> WalkTarAsync(Stream tar, LayerDescriptor layer, CancellationToken cancellationToken) =>
        WalkTarAsync(tar, layer, reopen: null, cancellationToken);

    /// <param name="reopen">
    /// Opens the same layer's tar again from its start. Given, the walk keeps no file contents for hard links: a layer
    /// with a link some analyzer wants to a file it would have been read through is read a second time, to the end (so
    /// its diffID is checked again), for those targets alone. Not given, the qualifying files' bytes are kept.
    /// </param>
    public async Task<LayerFacts> WalkTarAsync(Stream tar, LayerDescriptor layer, Func<CancellationToken, Task<Stream>>? reopen, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var facts = new LayerFactsBuilder(layer);
        var shortId = Image.Layers.LayerStreams.Short(layer.DiffId);
        var work = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(_workers * 2) { SingleWriter = true });
        var workers = Enumerable.Range(0, _workers).Select(_ => Task.Run(() => RunWorkerAsync(work.Reader, facts, cancellationToken), cancellationToken)).ToArray();
        var links = new HardLinkTargets(keepBytes: reopen is null);
        using var posts = new PostFileStore(_tempDir);
        long total = 0;
        long ordinal = -1;
        try
        {
            using var reader = new TarReader(tar, leaveOpen: true);
            while (true)
            {
                TarEntry? entry;
                var reading = Stopwatch.GetTimestamp();
                try
                {
                    entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
                {
                    throw new CombInputException($"layer {shortId}: malformed tar: {ex.Message}", ex);
                }
                finally
                {
                    _metrics?.AddRead(reading);
                }

                if (entry is null)
                {
                    break;
                }

                ordinal++;
                var path = ImagePaths.NormalizeEntry(entry.Name, shortId);
                if (path.Length == 0)
                {
                    continue;
                }

                var slash = path.LastIndexOf('/');
                var name = slash >= 0 ? path[(slash + 1)..] : path;
                var parent = slash >= 0 ? path[..slash] : "";
                if (name.StartsWith(".wh.", StringComparison.Ordinal))
                {
                    if (name == ".wh..wh..opq")
                    {
                        facts.AddOpaque(parent);
                    }
                    else
                    {
                        facts.AddWhiteout(parent.Length == 0 ? name[4..] : parent + "/" + name[4..]);
                    }

                    continue;
                }

                var meta = MetaOf(entry, path, shortId);
                facts.AddPath(path);
                total += entry.Length;
                var wanted = Wanted(meta);
                var post = PostWanted(meta);
                _metrics?.AddEntry(meta.Size, wanted.Count + post.Count > 0);
                if (wanted.Count == 0 && post.Count == 0)
                {
                    continue;
                }

                WorkItem item;
                reading = Stopwatch.GetTimestamp();
                if (meta.Kind == FileKind.Regular && entry.DataStream is { } data)
                {
                    if (wanted.Count == 0)
                    {
                        await posts.AddAsync(meta, post, data, cancellationToken).ConfigureAwait(false);
                        _metrics?.AddRead(reading);
                        continue;
                    }

                    item = await BufferAsync(data, meta, wanted, cancellationToken).ConfigureAwait(false);
                    if (post.Count > 0)
                    {
                        try
                        {
                            await using var copy = item.Content.Open();
                            await posts.AddAsync(meta with { Size = item.Content.Memory is null ? meta.Size : item.Content.Length }, post, copy, cancellationToken).ConfigureAwait(false);
                        }
                        catch
                        {
                            item.Release();
                            throw;
                        }
                    }

                    links.Offer(path, ordinal, item.Content);
                }
                else if (meta.Kind == FileKind.HardLink && meta.LinkTarget is { } target && links.TryGet(target, out var linkTarget))
                {
                    // Read after the last entry, with the target's content; the post-analyzers' place is taken now.
                    var linked = meta with { Kind = FileKind.Regular, Size = linkTarget.Length };
                    var kept = post.Count > 0 ? posts.AddPending(linked, post, linkTarget.Length) : null;
                    links.Add(new HardLinkTargets.Link(linked, wanted, kept, linkTarget));
                    _metrics?.AddRead(reading);
                    continue;
                }
                else
                {
                    if (post.Count > 0 && meta.Kind == FileKind.HardLink && meta.LinkTarget is { } keptTarget)
                    {
                        posts.AddLink(meta, post, keptTarget);
                    }

                    if (wanted.Count == 0)
                    {
                        continue;
                    }

                    item = new WorkItem(meta, wanted, FileContent.None);
                }

                _metrics?.AddRead(reading);
                await EnqueueAsync(work.Writer, item, cancellationToken).ConfigureAwait(false);
            }

            await ReadLinksAsync(links, posts, work.Writer, reopen, shortId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await FinishAsync(work, workers).ConfigureAwait(false);
        }

        await RunPostAnalyzersAsync(posts, facts, cancellationToken).ConfigureAwait(false);
        _metrics?.AddWalk(started);
        return facts.Build(total);
    }

    /// <summary>
    /// Gives each wanted hard link its target's content: the kept bytes, or the target entries read again from the
    /// layer's start. A layer that no longer holds the same entries there fails the walk, as a digest mismatch would.
    /// </summary>
    private async Task ReadLinksAsync(HardLinkTargets links, PostFileStore posts, ChannelWriter<WorkItem> writer, Func<CancellationToken, Task<Stream>>? reopen,
        string shortId, CancellationToken cancellationToken)
    {
        if (links.Links.Count == 0)
        {
            return;
        }

        var reread = links.NeedsReread ? await ReadTargetsAsync(links.TargetsToRead(), reopen!, shortId, cancellationToken).ConfigureAwait(false) : null;
        foreach (var link in links.Links)
        {
            var content = reread is null ? link.Target.Bytes! : reread[link.Target.Ordinal];
            link.Kept?.Fill(content);
            if (link.Analyzers.Count == 0)
            {
                continue;
            }

            await ReserveAsync(content.Length, cancellationToken).ConfigureAwait(false);
            var copy = ArrayPool<byte>.Shared.Rent(Math.Max(1, content.Length));
            content.CopyTo(copy, 0);
            var item = new WorkItem(link.Meta, link.Analyzers, FileContent.InMemory(copy, content.Length)) { Budget = _budget, Reserved = content.Length };
            await EnqueueAsync(writer, item, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the layer again from its start: the bytes of the entries numbered in <paramref name="targets"/>, then the rest, so the diffID is checked.</summary>
    private async Task<Dictionary<long, byte[]>> ReadTargetsAsync(SortedDictionary<long, HardLinkTargets.Target> targets, Func<CancellationToken, Task<Stream>> reopen,
        string shortId, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var contents = new Dictionary<long, byte[]>(targets.Count);
        var tar = await reopen(cancellationToken).ConfigureAwait(false);
        await using (tar.ConfigureAwait(false))
        {
            try
            {
                using (var reader = new TarReader(tar, leaveOpen: true))
                {
                    long ordinal = -1;
                    while (contents.Count < targets.Count && await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        ordinal++;
                        if (!targets.TryGetValue(ordinal, out var target))
                        {
                            continue;
                        }

                        var buffer = new byte[target.Length];
                        var read = entry.DataStream is { } data ? await FileContent.ReadAsync(data, buffer, target.Length, cancellationToken).ConfigureAwait(false) : FileContent.None;
                        if (ImagePaths.NormalizeEntry(entry.Name, shortId) != target.Path || read.Length != target.Length)
                        {
                            throw new CombInputException($"layer {shortId}: entry {ordinal} is no longer {target.Path} on a second read");
                        }

                        contents[ordinal] = buffer;
                    }
                }

                if (contents.Count < targets.Count)
                {
                    throw new CombInputException($"layer {shortId}: ended before entry {targets.Keys.Max()} on a second read");
                }

                await DrainAsync(tar, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
            {
                throw new CombInputException($"layer {shortId}: malformed tar on a second read: {ex.Message}", ex);
            }
        }

        _metrics?.AddReread(started);
        return contents;
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (await stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Walks a directory on disk as one layer (rootfs:DIR); files are opened lazily, never copied.</summary>
    public async Task<LayerFacts> WalkDirectoryAsync(string root, LayerDescriptor layer, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var facts = new LayerFactsBuilder(layer);
        using var posts = new PostFileStore(_tempDir);
        var work = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(_workers * 2) { SingleWriter = true });
        var workers = Enumerable.Range(0, _workers).Select(_ => Task.Run(() => RunWorkerAsync(work.Reader, facts, cancellationToken), cancellationToken)).ToArray();
        long total = 0;
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0, ReturnSpecialDirectories = false };
            foreach (var info in new DirectoryInfo(root).EnumerateFileSystemInfos("*", options))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = Path.GetRelativePath(root, info.FullName).Replace('\\', '/');
                var kind = info.LinkTarget is not null ? FileKind.Symlink : info is DirectoryInfo ? FileKind.Directory : FileKind.Regular;
                var size = kind == FileKind.Regular ? ((FileInfo)info).Length : 0;
                var meta = new FileMeta
                {
                    Path = path,
                    Kind = kind,
                    Size = size,
                    Mode = OperatingSystem.IsWindows() ? 0 : (int)info.UnixFileMode,
                    LinkTarget = info.LinkTarget,
                    ModifiedTime = info.LastWriteTimeUtc,
                };
                facts.AddPath(path);
                total += size;
                var wanted = Wanted(meta);
                var post = PostWanted(meta);
                _metrics?.AddEntry(size, wanted.Count + post.Count > 0);
                if (post.Count > 0 && kind == FileKind.Regular)
                {
                    posts.AddOnDisk(meta, post, info.FullName);
                }

                if (wanted.Count > 0)
                {
                    await EnqueueAsync(work.Writer, new WorkItem(meta, wanted, kind == FileKind.Regular ? FileContent.OnDisk(info.FullName) : FileContent.None), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await FinishAsync(work, workers).ConfigureAwait(false);
        }

        await RunPostAnalyzersAsync(posts, facts, cancellationToken).ConfigureAwait(false);
        _metrics?.AddWalk(started);
        return facts.Build(total);
    }

    private List<IFileAnalyzer> Wanted(FileMeta meta)
    {
        var wanted = new List<IFileAnalyzer>(2);
        if (_skipper.Skips(meta.Path))
        {
            return wanted;
        }

        foreach (var analyzer in _analyzers)
        {
            if (analyzer.IsRequired(meta))
            {
                wanted.Add(analyzer);
            }
        }

        return wanted;
    }

    private List<IPostAnalyzer> PostWanted(FileMeta meta)
    {
        var wanted = new List<IPostAnalyzer>(0);
        if (meta.Kind is not (FileKind.Regular or FileKind.HardLink) || _skipper.Skips(meta.Path))
        {
            return wanted;
        }

        foreach (var analyzer in _postAnalyzers)
        {
            if (analyzer.IsRequired(meta))
            {
                wanted.Add(analyzer);
            }
        }

        return wanted;
    }

    /// <summary>Each post-analyzer that kept a file sees its files of the layer together; a failure is a diagnostic.</summary>
    private async Task RunPostAnalyzersAsync(PostFileStore posts, LayerFactsBuilder facts, CancellationToken cancellationToken)
    {
        if (posts.IsEmpty)
        {
            return;
        }

        foreach (var analyzer in _postAnalyzers.Where(a => posts.Analyzers.Contains(a)))
        {
            var input = posts.InputFor(analyzer, facts.DiffId);
            var started = Stopwatch.GetTimestamp();
            try
            {
                facts.Add("", await analyzer.AnalyzeAsync(input, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                facts.AddDiagnostic(new Diagnostic
                {
                    Message = $"{analyzer.Id} could not analyze the layer's files: {ex.Message}",
                    Source = analyzer.Id,
                });
            }
            finally
            {
                var bytes = input.Files.Sum(f => f.Meta.Size);
                _metrics?.AddCall(analyzer.Id, started, bytes);
                Timed(analyzer.Id, started, "the layer's files", bytes, facts.DiffId);
            }
        }
    }

    private static FileMeta MetaOf(TarEntry entry, string path, string layer)
    {
        var kind = entry.EntryType switch
        {
            TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => FileKind.Regular,
            TarEntryType.Directory => FileKind.Directory,
            TarEntryType.SymbolicLink => FileKind.Symlink,
            TarEntryType.HardLink => FileKind.HardLink,
            _ => FileKind.Other,
        };
        string? link = kind switch
        {
            FileKind.Symlink => entry.LinkName,
            FileKind.HardLink => ImagePaths.NormalizeEntry(entry.LinkName, layer),
            _ => null,
        };
        return new FileMeta
        {
            Path = path,
            Kind = kind,
            Size = kind == FileKind.Regular ? entry.Length : 0,
            Mode = (int)entry.Mode,
            Uid = entry.Uid,
            Gid = entry.Gid,
            LinkTarget = link,
            ModifiedTime = entry.ModificationTime,
        };
    }

    private async Task<WorkItem> BufferAsync(Stream data, FileMeta meta, List<IFileAnalyzer> wanted, CancellationToken cancellationToken)
    {
        if (meta.Size <= InMemoryLimit && (_budget is null || _budget.FitsInMemory(meta.Size)))
        {
            await ReserveAsync(meta.Size, cancellationToken).ConfigureAwait(false);
            var item = new WorkItem(meta, wanted, FileContent.InMemory(ArrayPool<byte>.Shared.Rent((int)Math.Max(1, meta.Size)), 0)) { Budget = _budget, Reserved = meta.Size };
            try
            {
                return item with { Content = await FileContent.ReadAsync(data, item.Content.Memory!, (int)meta.Size, cancellationToken).ConfigureAwait(false) };
            }
            catch
            {
                item.Release();
                throw;
            }
        }

        // A cancelled or failed copy leaves no half-written file behind.
        return new WorkItem(meta, wanted, await FileContent.SpoolAsync(data, _tempDir, "walk", cancellationToken).ConfigureAwait(false)) { DeleteFile = true };
    }

    private ValueTask ReserveAsync(long bytes, CancellationToken cancellationToken) =>
        _budget is null || _budget.MaxBufferBytes == 0 ? ValueTask.CompletedTask : _budget.ReserveBytesAsync(bytes, cancellationToken);

    /// <summary>Queues an item for the workers; one that cannot be queued (cancelled) is released at once.</summary>
    private static async ValueTask EnqueueAsync(ChannelWriter<WorkItem> writer, WorkItem item, CancellationToken cancellationToken)
    {
        try
        {
            await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            item.Release();
            throw;
        }
    }

    /// <summary>
    /// Ends a walk: no more work, wait for the workers, then release what they never took (after a cancellation
    /// or a failure), so no buffer stays rented and no temporary file stays on disk.
    /// </summary>
    private static async Task FinishAsync(Channel<WorkItem> work, Task[] workers)
    {
        work.Writer.TryComplete();
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        finally
        {
            while (work.Reader.TryRead(out var left))
            {
                left.Release();
            }
        }
    }

    private async Task RunWorkerAsync(ChannelReader<WorkItem> reader, LayerFactsBuilder facts, CancellationToken cancellationToken)
    {
        await foreach (var item in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var input = new AnalysisInput(item.Meta, facts.DiffId, item.Content.Open);
                foreach (var analyzer in item.Analyzers)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        facts.Add(item.Meta.Path, await analyzer.AnalyzeAsync(input, cancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // Per-file failures are data: the scan goes on with the rest.
                        facts.AddDiagnostic(new Diagnostic
                        {
                            Message = $"{analyzer.Id} could not analyze the file: {ex.Message}",
                            Path = item.Meta.Path,
                            Source = analyzer.Id,
                        });
                    }
                    finally
                    {
                        _metrics?.AddCall(analyzer.Id, started, item.Meta.Size);
                        Timed(analyzer.Id, started, item.Meta.Path, item.Meta.Size, facts.DiffId);
                    }
                }
            }
            finally
            {
                item.Release();
            }
        }
    }

    /// <summary>Tells an analyzer call that took the threshold or longer: a host sees which analyzer and file hold its scans up.</summary>
    private void Timed(string analyzer, long started, string what, long bytes, string layer)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (elapsed >= _slow && _logger.IsEnabled(LogLevel.Warning))
        {
            LogSlow(_logger, analyzer, elapsed.TotalSeconds, what, bytes, Image.Layers.LayerStreams.Short(layer));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "slow analyzer {Analyzer}: {Seconds:0.000} s on {What} ({Bytes} bytes) in layer {Layer}")]
    private static partial void LogSlow(ILogger logger, string analyzer, double seconds, string what, long bytes, string layer);

    private sealed record WorkItem(FileMeta Meta, List<IFileAnalyzer> Analyzers, FileContent Content)
    {
        public bool DeleteFile { get; init; }

        /// <summary>The budget the buffer's bytes were reserved in, given back on release.</summary>
        public ScanBudget? Budget { get; init; }

        public long Reserved { get; init; }

        public void Release()
        {
            if (Content.Memory is { } memory)
            {
                ArrayPool<byte>.Shared.Return(memory);
                if (Budget is { MaxBufferBytes: > 0 })
                {
                    Budget.ReleaseBytes(Reserved);
                }
            }

            if (DeleteFile && Content.Path is { } path)
            {
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
