// Test main: BytesBE(4, 10) (a D = 10 account index) and FieldBytesBE (a root).
pragma circom 2.0.0;

include "../../../circuits/lib/bits.circom";

template BytesTest() {
    signal input small;
    signal input element;
    signal output small_bits[32];
    signal output small_lsb[10];
    signal output element_bits[256];

    component a = BytesBE(4, 10);
    a.in <== small;
    small_bits <== a.bits;
    small_lsb <== a.lsb;
    component b = FieldBytesBE();
    b.in <== element;
    element_bits <== b.bits;
}

component main = BytesTest();
