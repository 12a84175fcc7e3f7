namespace Comb.Engine.Tests;

/// <summary>The host's budget: scan slots and buffer bytes are granted in order, never past the limit, and given back.</summary>
public sealed class ScanBudgetTests
{
    [Fact]
    public async Task Bytes_past_the_limit_wait_until_others_are_released_and_a_cancelled_wait_lets_the_next_in()
    {
        var ct = TestContext.Current.CancellationToken;
        var budget = new ScanBudget(maxBufferBytes: 100);
        await budget.ReserveBytesAsync(60, ct);

        // A request that does not fit waits; one behind it waits too (first come, first served)
        using var cancel = new CancellationTokenSource();
        var blocked = budget.ReserveBytesAsync(50, cancel.Token).AsTask();
        var behind = budget.ReserveBytesAsync(30, ct).AsTask();
        Assert.False(blocked.IsCompleted);
        Assert.False(behind.IsCompleted);

        // Cancelling the first lets the second in (it fits beside the 60 held)
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
        await behind;
        Assert.Equal(90, budget.BufferBytesInFlight);

        // Larger than the whole budget: granted only once nothing else is held
        var huge = budget.ReserveBytesAsync(500, ct).AsTask();
        Assert.False(huge.IsCompleted);
        budget.ReleaseBytes(60);
        Assert.False(huge.IsCompleted);
        budget.ReleaseBytes(30);
        await huge;
        budget.ReleaseBytes(500);

        Assert.Equal(0, budget.BufferBytesInFlight);
        Assert.Equal(500, budget.PeakBufferBytes);
        Assert.Equal((4L, 3L), budget.Reservations);
        Assert.False(budget.FitsInMemory(500));
    }

    [Fact]
    public async Task Scan_slots_are_limited_and_released_on_dispose()
    {
        var ct = TestContext.Current.CancellationToken;
        var budget = new ScanBudget(maxConcurrentScans: 2);
        var first = await budget.EnterScanAsync(ct);
        var second = await budget.EnterScanAsync(ct);
        var third = budget.EnterScanAsync(ct);
        Assert.False(third.IsCompleted);

        first.Dispose();
        first.Dispose(); // twice is once
        (await third).Dispose();
        second.Dispose();

        Assert.Equal(2, budget.PeakScans);
        Assert.True((await budget.EnterScanAsync(ct)) is not null);
    }
}
