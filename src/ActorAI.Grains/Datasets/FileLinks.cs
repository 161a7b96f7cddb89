using System.Runtime.InteropServices;

namespace ActorAI.Grains.Datasets;

/// <summary>Hard links where the platform and the file system allow them, copies otherwise.</summary>
internal static class FileLinks
{
    /// <summary>
    /// Makes <paramref name="destination"/> a hard link to <paramref name="source"/> (no extra disk space; the link
    /// outlives the deletion of the source), or a copy when a link is impossible (Windows, another file system).
    /// </summary>
    public static void LinkOrCopy(string source, string destination)
    {
        if (!OperatingSystem.IsWindows() && Link(source, destination) == 0)
        {
            return;
        }
        File.Copy(source, destination);
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled for its generated marshalling
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string source, [MarshalAs(UnmanagedType.LPUTF8Str)] string destination);
#pragma warning restore SYSLIB1054
}
