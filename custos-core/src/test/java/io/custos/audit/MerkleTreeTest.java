package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SS-002 11.7.1 — the audit tree is the Merkle tree of RFC 9162 section 2.1")
class MerkleTreeTest {
  private static final HexFormat HEX = HexFormat.of();

  // Public test vectors of transparency-dev/merkle (testonly/constants.go and
  // proof/verify_test.go, Apache-2.0), the data set also used by RFC 6962 implementations:
  // eight leaf inputs, the root for every size 0..8, and known inclusion and consistency proofs.
  private static final String[] LEAF_INPUTS = {"", "00", "10", "2021", "3031", "40414243",
      "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
  private static final String[] ROOTS = {
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  // {leaf index (0-based), tree size, proof...}
  private static final String[][] INCLUSION = {
      {"0", "8", "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
      {"5", "8", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
      {"2", "3", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"},
      {"1", "5", "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}};
  // {old size, new size, proof...}
  private static final String[][] CONSISTENCY = {
      {"1", "8", "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
      {"6", "8", "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
      {"2", "5", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"},
      {"6", "7", "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}};

  private static InMemoryTree vectorTree() {
    InMemoryTree tree = new InMemoryTree();
    for (String input : LEAF_INPUTS) {
      tree.append(MerkleTree.leafHash(HEX.parseHex(input)));
    }
    return tree;
  }

  @Test
  @DisplayName("known answer: roots of the public test vectors for every size 0..8")
  void knownRoots() {
    InMemoryTree tree = vectorTree();
    for (int size = 0; size <= 8; size++) {
      assertThat(HEX.formatHex(MerkleTree.rootHash(tree, size))).as("size %d", size)
          .isEqualTo(ROOTS[size]);
      assertThat(HEX.formatHex(tree.rootHash(size))).isEqualTo(ROOTS[size]);
    }
    assertThat(HEX.formatHex(MerkleTree.emptyRoot())).isEqualTo(ROOTS[0]);
  }

  @Test
  @DisplayName("known answer: inclusion proofs of the public test vectors are produced and verify")
  void knownInclusionProofs() {
    InMemoryTree tree = vectorTree();
    for (String[] v : INCLUSION) {
      int index = Integer.parseInt(v[0]);
      int size = Integer.parseInt(v[1]);
      List<byte[]> expected = hashes(v, 2);
      assertThat(MerkleTree.inclusionProof(tree, index, size)).as("%d in %d", index, size)
          .containsExactlyElementsOf(expected);
      assertThat(MerkleTree.verifyInclusion(tree.leafHash(index), index, size, expected,
          HEX.parseHex(ROOTS[size]))).isTrue();
      assertThat(MerkleTree.verifyInclusion(tree.leafHash(index), index + 1, size, expected,
          HEX.parseHex(ROOTS[size]))).isFalse();
    }
  }

  @Test
  @DisplayName("known answer: consistency proofs of the public test vectors are produced and verify")
  void knownConsistencyProofs() {
    InMemoryTree tree = vectorTree();
    for (String[] v : CONSISTENCY) {
      int m = Integer.parseInt(v[0]);
      int n = Integer.parseInt(v[1]);
      List<byte[]> expected = hashes(v, 2);
      assertThat(MerkleTree.consistencyProof(tree, m, n)).as("%d to %d", m, n)
          .containsExactlyElementsOf(expected);
      assertThat(MerkleTree.verifyConsistency(m, n, HEX.parseHex(ROOTS[m]), HEX.parseHex(ROOTS[n]),
          expected)).isTrue();
      assertThat(MerkleTree.verifyConsistency(m, n, HEX.parseHex(ROOTS[n]), HEX.parseHex(ROOTS[m]),
          expected)).isFalse();
    }
  }

  @Test
  @DisplayName("the worked example of RFC 9162 section 2.1.5 (seven leaves d0..d6)")
  void rfcExample() {
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      leaves.add(MerkleTree.leafHash(("d" + i).getBytes(StandardCharsets.UTF_8)));
    }
    ReferenceTree tree = new ReferenceTree(leaves);
    byte[] a = leaves.get(0), b = leaves.get(1), c = leaves.get(2), d = leaves.get(3);
    byte[] e = leaves.get(4), f = leaves.get(5), j = leaves.get(6);
    byte[] g = MerkleTree.nodeHash(a, b), h = MerkleTree.nodeHash(c, d);
    byte[] i = MerkleTree.nodeHash(e, f);
    byte[] k = MerkleTree.nodeHash(g, h), l = MerkleTree.nodeHash(i, j);
    assertThat(MerkleTree.rootHash(tree, 7)).isEqualTo(MerkleTree.nodeHash(k, l));
    // "The inclusion proof for d0 is [b, h, l]", d3 [c, g, l], d4 [f, j, k], d6 [i, k].
    assertThat(MerkleTree.inclusionProof(tree, 0, 7)).containsExactly(b, h, l);
    assertThat(MerkleTree.inclusionProof(tree, 3, 7)).containsExactly(c, g, l);
    assertThat(MerkleTree.inclusionProof(tree, 4, 7)).containsExactly(f, j, k);
    assertThat(MerkleTree.inclusionProof(tree, 6, 7)).containsExactly(i, k);
    // Consistency proofs from the trees of 3, 4 and 6 leaves: [c, d, g, l], [l], [i, j, k].
    assertThat(MerkleTree.consistencyProof(tree, 3, 7)).containsExactly(c, d, g, l);
    assertThat(MerkleTree.consistencyProof(tree, 4, 7)).containsExactly(l);
    assertThat(MerkleTree.consistencyProof(tree, 6, 7)).containsExactly(i, j, k);
  }

  @Test
  @DisplayName("edges: sizes 0 and equal sizes, out-of-range arguments, malformed hashes")
  void edges() {
    InMemoryTree tree = vectorTree();
    byte[] empty = MerkleTree.emptyRoot();
    byte[] root3 = HEX.parseHex(ROOTS[3]);
    assertThat(MerkleTree.consistencyProof(tree, 0, 5)).isEmpty();
    assertThat(MerkleTree.consistencyProof(tree, 5, 5)).isEmpty();
    assertThat(MerkleTree.verifyConsistency(0, 3, empty, root3, List.of())).isTrue();
    assertThat(MerkleTree.verifyConsistency(0, 3, root3, root3, List.of())).isFalse();
    assertThat(MerkleTree.verifyConsistency(3, 3, root3, root3, List.of())).isTrue();
    assertThat(MerkleTree.verifyConsistency(3, 3, root3, empty, List.of())).isFalse();
    assertThat(MerkleTree.verifyConsistency(3, 3, root3, root3, List.of(root3))).isFalse();
    assertThat(MerkleTree.verifyConsistency(4, 3, root3, root3, List.of())).isFalse();
    assertThat(MerkleTree.verifyConsistency(2, 3, HEX.parseHex(ROOTS[2]), root3, List.of()))
        .isFalse();
    assertThat(MerkleTree.verifyInclusion(tree.leafHash(0), 0, 1, List.of(),
        HEX.parseHex(ROOTS[1]))).isTrue();
    assertThat(MerkleTree.verifyInclusion(tree.leafHash(0), 0, 0, List.of(), empty)).isFalse();
    assertThat(MerkleTree.verifyInclusion(new byte[31], 0, 1, List.of(), new byte[31])).isFalse();
    assertThat(MerkleTree.verifyInclusion(tree.leafHash(2), 2, 3, List.of(new byte[5]), root3))
        .isFalse();
    assertThatThrownBy(() -> MerkleTree.inclusionProof(tree, 8, 8))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("leaf index 8 is not in a tree of size 8");
    assertThatThrownBy(() -> MerkleTree.rootHash(tree, 9))
        .hasMessage("tree size 9 is not between 0 and the 8 leaves there are");
    assertThatThrownBy(() -> MerkleTree.consistencyProof(tree, 6, 5))
        .hasMessage("old size 6 is not between 0 and the new size 5");
  }

  @Test
  @DisplayName("the root of 2^20 leaves is computed iteratively in well under a second")
  void millionLeaves() {
    LeafHashes million = synthetic(1 << 20);
    long start = System.nanoTime();
    byte[] root = MerkleTree.rootHash(million, 1 << 20);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(root).hasSize(MerkleTree.HASH_BYTES);
    assertThat(millis).as("milliseconds for 2^20 leaves").isLessThan(2000);

    // The in-memory tree agrees at sizes whose subtrees are many levels deep.
    int n = 70_001;
    LeafHashes leaves = synthetic(n);
    InMemoryTree tree = new InMemoryTree();
    for (long i = 0; i < n; i++) {
      tree.append(leaves.leafHash(i));
    }
    assertThat(tree.rootHash()).isEqualTo(MerkleTree.rootHash(leaves, n));
    assertThat(tree.rootHash(65_535)).isEqualTo(MerkleTree.rootHash(leaves, 65_535));
  }

  // Leaf hashes made without hashing, so that timing measures the tree, not the leaves.
  private static LeafHashes synthetic(long n) {
    return new LeafHashes() {
      @Override
      public long size() {
        return n;
      }

      @Override
      public byte[] leafHash(long index) {
        byte[] h = new byte[MerkleTree.HASH_BYTES];
        java.nio.ByteBuffer.wrap(h).putLong(index);
        return h;
      }
    };
  }

  private static List<byte[]> hashes(String[] v, int from) {
    List<byte[]> out = new ArrayList<>();
    for (int i = from; i < v.length; i++) {
      out.add(HEX.parseHex(v[i]));
    }
    return out;
  }
}
