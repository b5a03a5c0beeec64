/* Fake topologies for the planning unit tests. */
#ifndef RASHM_UNIT_TOPOS_H
#define RASHM_UNIT_TOPOS_H

#include <stdio.h>
#include <stdlib.h>

/* Two packages, one NUMA node with 2 cores each (nodes 0 and 1), plus a
 * memory-only node 2 attached to the machine (a CXL expander). CPUs 0-3.
 * ALLOWED is the machine's allowed cpuset (the partition for a fake
 * topology). */
#define TOPO_XML_MEMONLY_(ALLOWED)                                                                              \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                              \
    "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"                                                               \
    "<topology version=\"2.0\">\n"                                                                              \
    "<object type=\"Machine\" os_index=\"0\" cpuset=\"0x0000000f\" complete_cpuset=\"0x0000000f\" "            \
    "allowed_cpuset=\"" ALLOWED "\" nodeset=\"0x00000007\" complete_nodeset=\"0x00000007\" "                    \
    "allowed_nodeset=\"0x00000007\" gp_index=\"1\">\n"                                                          \
    " <object type=\"NUMANode\" os_index=\"2\" cpuset=\"0x0000000f\" complete_cpuset=\"0x0000000f\" "           \
    "nodeset=\"0x00000004\" complete_nodeset=\"0x00000004\" gp_index=\"30\" local_memory=\"4294967296\"/>\n"    \
    " <object type=\"Package\" os_index=\"0\" cpuset=\"0x00000003\" complete_cpuset=\"0x00000003\" "            \
    "nodeset=\"0x00000001\" complete_nodeset=\"0x00000001\" gp_index=\"8\">\n"                                  \
    "  <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x00000003\" complete_cpuset=\"0x00000003\" "          \
    "nodeset=\"0x00000001\" complete_nodeset=\"0x00000001\" gp_index=\"6\" local_memory=\"1073741824\"/>\n"     \
    "  <object type=\"Core\" os_index=\"0\" cpuset=\"0x00000001\" complete_cpuset=\"0x00000001\" "              \
    "nodeset=\"0x00000001\" complete_nodeset=\"0x00000001\" gp_index=\"3\">\n"                                  \
    "   <object type=\"PU\" os_index=\"0\" cpuset=\"0x00000001\" complete_cpuset=\"0x00000001\" "               \
    "nodeset=\"0x00000001\" complete_nodeset=\"0x00000001\" gp_index=\"2\"/>\n"                                 \
    "  </object>\n"                                                                                             \
    "  <object type=\"Core\" os_index=\"1\" cpuset=\"0x00000002\" complete_cpuset=\"0x00000002\" "              \
    "nodeset=\"0x00000001\" complete_nodeset=\"0x00000001\" gp_index=\"5\">\n"                                  \
    "   <object type=\"PU\" os_index=\"1\" cpuset=\"0x00000002\" complete_cpuset=\"0x00000002\" "               \
    "nodeset=\"0x00000001\" complete_nodeset=\"0x00000001\" gp_index=\"4\"/>\n"                                 \
    "  </object>\n"                                                                                             \
    " </object>\n"                                                                                              \
    " <object type=\"Package\" os_index=\"1\" cpuset=\"0x0000000c\" complete_cpuset=\"0x0000000c\" "            \
    "nodeset=\"0x00000002\" complete_nodeset=\"0x00000002\" gp_index=\"15\">\n"                                 \
    "  <object type=\"NUMANode\" os_index=\"1\" cpuset=\"0x0000000c\" complete_cpuset=\"0x0000000c\" "          \
    "nodeset=\"0x00000002\" complete_nodeset=\"0x00000002\" gp_index=\"13\" local_memory=\"1073741824\"/>\n"    \
    "  <object type=\"Core\" os_index=\"2\" cpuset=\"0x00000004\" complete_cpuset=\"0x00000004\" "              \
    "nodeset=\"0x00000002\" complete_nodeset=\"0x00000002\" gp_index=\"10\">\n"                                 \
    "   <object type=\"PU\" os_index=\"2\" cpuset=\"0x00000004\" complete_cpuset=\"0x00000004\" "               \
    "nodeset=\"0x00000002\" complete_nodeset=\"0x00000002\" gp_index=\"9\"/>\n"                                 \
    "  </object>\n"                                                                                             \
    "  <object type=\"Core\" os_index=\"3\" cpuset=\"0x00000008\" complete_cpuset=\"0x00000008\" "              \
    "nodeset=\"0x00000002\" complete_nodeset=\"0x00000002\" gp_index=\"12\">\n"                                 \
    "   <object type=\"PU\" os_index=\"3\" cpuset=\"0x00000008\" complete_cpuset=\"0x00000008\" "               \
    "nodeset=\"0x00000002\" complete_nodeset=\"0x00000002\" gp_index=\"11\"/>\n"                                \
    "  </object>\n"                                                                                             \
    " </object>\n"                                                                                              \
    "</object>\n"                                                                                               \
    "</topology>\n"

#define TOPO_XML_MEMONLY TOPO_XML_MEMONLY_("0x0000000f")
/* same machine, but this process may only use package 0's CPUs */
#define TOPO_XML_MEMONLY_PART0 TOPO_XML_MEMONLY_("0x00000003")

#define TOPO_PACK2 "pack:2 numa:2 core:2 pu:1"
#define TOPO_NUMA4 "numa:4 core:2 pu:2"
#define TOPO_SPARSE "pack:2 numa:2(indexes=0,3,5,8) core:2 pu:1"

/* Writes an XML text to a temporary file (for RASHM_TOPOLOGY_XML). The
 * caller unlinks it. */
static inline int write_tmp_xml(const char *xml, const char *tag, char *path, size_t len)
{
    /* one name per topology: librashm keeps a topology per variable value */
    snprintf(path, len, "/tmp/rashm-unit-topo.%d.%s.xml", (int)getpid(), tag);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(xml, f);
    return fclose(f);
}

#endif
