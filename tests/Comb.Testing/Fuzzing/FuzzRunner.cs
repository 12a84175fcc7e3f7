using Comb.Contracts;

namespace Comb.Testing.Fuzzing;

/// <summary>
/// Runs fuzz cases one at a time and collects the failures: any exception but the project's input exception, a case
/// that does not finish within its cancellation guard, or one that allocates beyond the memory budget.
/// </summary>
public sealed class FuzzRunner(TimeSpan caseTimeout, long memoryBudgetBytes)
{
    private readonly List<string> _failures = [];

    public IReadOnlyList<string> Failures => _failures;

    public int Cases { get; private set; }

    public int InputErrors { get; private set; }

    public async Task RunAsync(string name, Func<CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        Cases++;
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(caseTimeout);
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var run = Task.Run(() => body(guard.Token), guard.Token);
        try
        {
            // The guard cancels; a parser that ignores cancellation is caught by the second wait.
            await run.WaitAsync(caseTimeout * 2, cancellationToken);
        }
        catch (TimeoutException)
        {
            _failures.Add($"{name}: did not finish within {caseTimeout.TotalSeconds * 2:0}s (ignores cancellation)");
            return;
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _failures.Add($"{name}: did not finish within {caseTimeout.TotalSeconds:0}s (hang)");
            return;
        }
        catch (CombInputException ex) when (!string.IsNullOrWhiteSpace(ex.Message))
        {
            InputErrors++;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _failures.Add($"{name}: {ex.GetType().Name}: {ex.Message}{Environment.NewLine}{ex.StackTrace?.Split('\n').Take(4).Aggregate((a, b) => a + "\n" + b)}");
            return;
        }

        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        if (allocated > memoryBudgetBytes)
        {
            _failures.Add($"{name}: allocated {allocated / (1 << 20)} MiB, over the {memoryBudgetBytes / (1 << 20)} MiB budget");
        }
    }

    /// <summary>A readable summary for an assertion message (the first failures in full).</summary>
    public string Report() =>
        $"{_failures.Count} of {Cases} cases failed ({InputErrors} clean input errors):{Environment.NewLine}" +
        string.Join(Environment.NewLine + Environment.NewLine, _failures.Take(10));
}
