import struct, gzip, sys
def nifti(dtype, bitpix, data_bytes, n=8, spacing=2.0):
    h = bytearray(348)
    struct.pack_into('<i', h, 0, 348)
    struct.pack_into('<8h', h, 40, 3, n, n, n, 1, 1, 1, 1)
    struct.pack_into('<h', h, 70, dtype)
    struct.pack_into('<h', h, 72, bitpix)
    struct.pack_into('<8f', h, 76, 1.0, spacing, spacing, spacing, 1, 1, 1, 1)
    struct.pack_into('<f', h, 108, 352.0)        # vox_offset
    struct.pack_into('<f', h, 112, 1.0)          # scl_slope
    struct.pack_into('<f', h, 116, 0.0)          # scl_inter
    h[123] = 10                                  # xyzt_units: mm, s
    struct.pack_into('<h', h, 252, 1)            # qform_code scanner
    struct.pack_into('<h', h, 254, 0)            # sform_code
    struct.pack_into('<6f', h, 256, 0, 0, 0, -7.0, -7.0, -7.0)  # quatern b c d, offsets
    h[344:348] = b'n+1\0'
    return bytes(h) + b'\0\0\0\0' + data_bytes
n = 8
ct = bytearray()
lab = bytearray()
for z in range(n):
    for y in range(n):
        for x in range(n):
            r2 = (x - 3.5) ** 2 + (y - 3.5) ** 2 + (z - 3.5) ** 2
            ct += struct.pack('<h', 1000 if r2 <= 2.5 else 0 if r2 <= 9 else -1000)
            lab += bytes([2 if r2 <= 2.5 else 1 if r2 <= 9 else 0])
out = sys.argv[1]
open(out + '/tiny8_ct.nii', 'wb').write(nifti(4, 16, bytes(ct)))
open(out + '/tiny8_labels.nii', 'wb').write(nifti(2, 8, bytes(lab)))
with open(out + '/tiny8_ct.nii.gz', 'wb') as f:
    f.write(gzip.compress(nifti(4, 16, bytes(ct)), compresslevel=9, mtime=0))
