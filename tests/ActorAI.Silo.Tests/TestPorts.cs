using System.Net;
using System.Net.Sockets;

namespace ActorAI.Silo.Tests;

internal static class TestPorts
{
    /// <summary>Ports that were free a moment ago (the OS will not hand them out again soon).</summary>
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
