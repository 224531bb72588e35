package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

@Label("SS-002 11.7.1 — RFC 9162 proofs verify, and fail on any changed byte")
class MerkleProofPropertiesTest {
  private static final ReferenceTree TREE = ReferenceTree.ofEntries(300);
  private static final List<byte[]> ROOTS = new ArrayList<>();

  static {
    for (int size = 0; size <= 300; size++) {
      ROOTS.add(MerkleTree.rootHash(TREE, size));
    }
  }

  @Property(generation = GenerationMode.EXHAUSTIVE)
  @Label("every size 1..300: inclusion proofs are PATH of the RFC, verify, and fail when altered")
  void inclusionEverySize(@ForAll @IntRange(min = 1, max = 300) int size) {
    byte[] root = MerkleTree.rootHash(TREE, size);
    assertThat(root).isEqualTo(TREE.mth(0, size));
    // First, last and a random leaf; the seed is the size, so a failure is reproducible.
    int random = new Random(size).nextInt(size);
    for (int index : new int[] {0, size - 1, random}) {
      byte[] leaf = TREE.leafHash(index);
      List<byte[]> proof = MerkleTree.inclusionProof(TREE, index, size);
      assertThat(proof).containsExactlyElementsOf(TREE.path(index, 0, size));
      assertThat(MerkleTree.verifyInclusion(leaf, index, size, proof, root)).isTrue();
      if (size > 1) {
        int other = (index + 1) % size;
        assertThat(MerkleTree.verifyInclusion(leaf, other, size, proof, root)).isFalse();
        assertThat(MerkleTree.verifyInclusion(TREE.leafHash(other), index, size, proof, root))
            .isFalse();
        assertThat(MerkleTree.verifyInclusion(leaf, index, size, proof.subList(1, proof.size()),
            root)).isFalse();
      }
      List<byte[]> longer = new ArrayList<>(proof);
      longer.add(root);
      assertThat(MerkleTree.verifyInclusion(leaf, index, size, longer, root)).isFalse();
    }
    // Each proof hash, the leaf and the root matter, at their first, last and a random byte
    // (every byte is covered by the random properties below).
    byte[] leaf = TREE.leafHash(random);
    List<byte[]> proof = MerkleTree.inclusionProof(TREE, random, size);
    int bit = size % 8;
    for (int p = 0; p < proof.size(); p++) {
      for (int i : bytesToFlip(size)) {
        List<byte[]> bad = new ArrayList<>(proof);
        bad.set(p, flip(proof.get(p), i, bit));
        assertThat(MerkleTree.verifyInclusion(leaf, random, size, bad, root)).isFalse();
      }
    }
    for (int i : bytesToFlip(size)) {
      assertThat(MerkleTree.verifyInclusion(leaf, random, size, proof, flip(root, i, bit)))
          .isFalse();
      assertThat(MerkleTree.verifyInclusion(flip(leaf, i, bit), random, size, proof, root))
          .isFalse();
    }
  }

  @Property(generation = GenerationMode.EXHAUSTIVE)
  @Label("every size 1..300: consistency proofs are PROOF of the RFC, verify, and fail when altered")
  void consistencyEverySize(@ForAll @IntRange(min = 1, max = 300) int newSize) {
    byte[] newRoot = MerkleTree.rootHash(TREE, newSize);
    int random = 1 + new Random(newSize).nextInt(newSize);
    for (int oldSize : new int[] {1, newSize, random}) {
      byte[] oldRoot = MerkleTree.rootHash(TREE, oldSize);
      List<byte[]> proof = MerkleTree.consistencyProof(TREE, oldSize, newSize);
      assertThat(MerkleTree.verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof)).isTrue();
      if (oldSize == newSize) {
        assertThat(proof).isEmpty();
        continue;
      }
      assertThat(proof).containsExactlyElementsOf(TREE.proof(oldSize, newSize));
      assertThat(MerkleTree.verifyConsistency(oldSize, newSize, newRoot, oldRoot, proof)).isFalse();
      assertThat(MerkleTree.verifyConsistency(oldSize, newSize, oldRoot, newRoot,
          proof.subList(0, proof.size() - 1))).isFalse();
      List<byte[]> longer = new ArrayList<>(proof);
      longer.add(newRoot);
      assertThat(MerkleTree.verifyConsistency(oldSize, newSize, oldRoot, newRoot, longer))
          .isFalse();
      // A log that rewrote any one of the old leaves cannot prove itself consistent.
      List<byte[]> forged = new ArrayList<>(TREE.leafHashes().subList(0, newSize));
      forged.set(new Random(-newSize).nextInt(oldSize), MerkleTree.leafHash(new byte[] {1}));
      ReferenceTree other = new ReferenceTree(forged);
      assertThat(MerkleTree.verifyConsistency(oldSize, newSize, oldRoot,
          MerkleTree.rootHash(other, newSize), MerkleTree.consistencyProof(other, oldSize, newSize)))
          .isFalse();
      if (oldSize != random) {
        continue;
      }
      // Each proof hash and both roots matter (first, last and a random byte).
      int bit = newSize % 8;
      for (int p = 0; p < proof.size(); p++) {
        for (int i : bytesToFlip(newSize)) {
          List<byte[]> bad = new ArrayList<>(proof);
          bad.set(p, flip(proof.get(p), i, bit));
          assertThat(MerkleTree.verifyConsistency(oldSize, newSize, oldRoot, newRoot, bad))
              .isFalse();
        }
      }
      for (int i : bytesToFlip(newSize)) {
        assertThat(MerkleTree.verifyConsistency(oldSize, newSize, flip(oldRoot, i, bit), newRoot,
            proof)).isFalse();
        assertThat(MerkleTree.verifyConsistency(oldSize, newSize, oldRoot, flip(newRoot, i, bit),
            proof)).isFalse();
      }
    }
  }

  @Property(tries = 200)
  @Label("random sizes and leaves: a flipped bit anywhere in an inclusion proof is detected")
  void inclusionRandomFlip(@ForAll @IntRange(min = 2, max = 300) int size, @ForAll int anyIndex,
      @ForAll int anyElement, @ForAll @IntRange(min = 0, max = 31) int position,
      @ForAll @IntRange(min = 0, max = 7) int bit) {
    int index = Math.floorMod(anyIndex, size);
    List<byte[]> proof = new ArrayList<>(MerkleTree.inclusionProof(TREE, index, size));
    int element = Math.floorMod(anyElement, proof.size());
    proof.set(element, flip(proof.get(element), position, bit));
    assertThat(MerkleTree.verifyInclusion(TREE.leafHash(index), index, size, proof,
        ROOTS.get(size))).isFalse();
  }

  @Property(tries = 200)
  @Label("random sizes: a flipped bit anywhere in a consistency proof is detected")
  void consistencyRandomFlip(@ForAll @IntRange(min = 2, max = 300) int newSize,
      @ForAll int anyOld, @ForAll int anyElement, @ForAll @IntRange(min = 0, max = 31) int position,
      @ForAll @IntRange(min = 0, max = 7) int bit) {
    int oldSize = 1 + Math.floorMod(anyOld, newSize - 1);
    List<byte[]> proof = new ArrayList<>(MerkleTree.consistencyProof(TREE, oldSize, newSize));
    int element = Math.floorMod(anyElement, proof.size());
    proof.set(element, flip(proof.get(element), position, bit));
    assertThat(MerkleTree.verifyConsistency(oldSize, newSize, ROOTS.get(oldSize),
        ROOTS.get(newSize), proof)).isFalse();
  }

  @Property(generation = GenerationMode.EXHAUSTIVE)
  @Label("every size 0..300: the in-memory tree answers the RFC root at every earlier size")
  void inMemoryTreeRoots(@ForAll @IntRange(min = 0, max = 300) int size) {
    InMemoryTree tree = new InMemoryTree();
    for (int i = 0; i < size; i++) {
      tree.append(TREE.leafHash(i));
    }
    for (int earlier = 0; earlier <= size; earlier++) {
      assertThat(tree.rootHash(earlier)).isEqualTo(ROOTS.get(earlier));
    }
    assertThat(tree.rootHash()).isEqualTo(TREE.mth(0, size));
  }

  private static int[] bytesToFlip(int seed) {
    return new int[] {0, new Random(seed).nextInt(MerkleTree.HASH_BYTES), MerkleTree.HASH_BYTES - 1};
  }

  private static byte[] flip(byte[] hash, int index, int bit) {
    byte[] copy = hash.clone();
    copy[index] ^= (byte) (1 << bit);
    return copy;
  }
}
