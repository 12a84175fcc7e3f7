using System.Diagnostics;
using System.Text;
using Comb.Cli.Output;
using Comb.Runtime;

namespace Comb.Cli.Tests;

/// <summary>--output: a report replaces a regular file whole, and is written into a pipe or device in place.</summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("comb-output-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_named_pipe_receives_the_report_and_stays_a_pipe()
    {
        var pipe = MakeFifo("report.pipe");
        var reader = Task.Run(() => File.ReadAllText(pipe));

        await OutputFile.WriteAsync(pipe, Write("{\"report\":1}"), TestContext.Current.CancellationToken);

        Assert.Equal("{\"report\":1}", await reader.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));
        Assert.Equal(StatKind.Other, FileStat.Lstat(pipe)!.Kind);
        Assert.Equal(["report.pipe"], Names());
    }

    [Fact]
    public async Task A_symlink_to_a_pipe_is_written_through_and_stays_a_symlink()
    {
        var pipe = MakeFifo("target.pipe");
        var link = Path.Combine(_root, "stdout");
        File.CreateSymbolicLink(link, pipe);
        var reader = Task.Run(() => File.ReadAllText(pipe));

        await OutputFile.WriteAsync(link, Write("sarif"), TestContext.Current.CancellationToken);

        Assert.Equal("sarif", await reader.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));
        Assert.Equal(StatKind.Symlink, FileStat.Lstat(link)!.Kind);
        Assert.Equal(StatKind.Other, FileStat.Lstat(pipe)!.Kind);
    }

    [Fact]
    public async Task A_regular_file_is_replaced_whole_and_no_temporary_file_stays()
    {
        var path = Path.Combine(_root, "out", "report.json");
        await OutputFile.WriteAsync(path, Write("first, and longer"), TestContext.Current.CancellationToken);
        await OutputFile.WriteAsync(path, Write("second"), TestContext.Current.CancellationToken);

        Assert.Equal("second", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(["report.json"], Directory.GetFiles(Path.Combine(_root, "out")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_write_that_fails_leaves_the_earlier_report_untouched()
    {
        var path = Path.Combine(_root, "report.json");
        await File.WriteAllTextAsync(path, "earlier", TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<OperationCanceledException>(() => OutputFile.WriteAsync(path, async (stream, token) =>
        {
            await stream.WriteAsync("half a rep"u8.ToArray(), token);
            throw new OperationCanceledException();
        }, TestContext.Current.CancellationToken));

        Assert.Equal("earlier", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(["report.json"], Names());
    }

    private static Func<Stream, CancellationToken, Task> Write(string text) =>
        (stream, token) => stream.WriteAsync(Encoding.UTF8.GetBytes(text), token).AsTask();

    private IEnumerable<string?> Names() => Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal);

    private string MakeFifo(string name)
    {
        var path = Path.Combine(_root, name);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }
}
