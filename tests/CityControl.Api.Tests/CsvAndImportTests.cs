using System.Globalization;
using System.Text;
using CityControl.Devices;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Web.Devices;

namespace CityControl.Tests.Domain;

public sealed class CsvAndImportTests
{
    [Fact]
    public void The_Trafford_CCTV_register_reads_as_98_cameras_with_quoted_commas_intact()
    {
        var records = CsvRecords.Read(File.ReadAllText(RepoPaths.Data("city", "CCTV_cameras_trafford.csv"))).ToList();

        Assert.Equal(["camera_id", "location", "longitude", "latitude"], records[0].Fields);
        Assert.Equal(99, records.Count);
        Assert.All(records.Skip(1), r => Assert.Equal(4, r.Fields.Count));
        var grove = records.Single(r => r.Fields[0] == "279");
        Assert.Equal("Grove Lane, Hale (Altrincham)", grove.Fields[1]);
        Assert.Equal(-2.2880219999999998, double.Parse(records.Single(r => r.Fields[0] == "6").Fields[2], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_council_camera_register_becomes_valid_camera_rows_with_rows_numbered_as_in_the_file()
    {
        var source = CsvRecords.Read(File.ReadAllText(RepoPaths.Data("city", "CCTV_cameras_trafford.csv"))).Skip(1).ToList();
        var csv = new StringBuilder("id,kind,name,longitude,latitude,district,zone\n");
        foreach (var r in source)
        {
            csv.Append(CultureInfo.InvariantCulture, $"trafford-{r.Fields[0]},camera,\"{r.Fields[1]}\",{r.Fields[2]},{r.Fields[3]},Trafford,council\n");
        }

        var parsed = DeviceImporter.ParseCsv(csv.ToString());

        Assert.Null(parsed.FileError);
        Assert.Equal(98, parsed.Rows.Count);
        Assert.All(parsed.Rows, r => Assert.Empty(r.Errors));
        Assert.Equal(Enumerable.Range(2, 98), parsed.Rows.Select(r => r.Row));
        var hale = parsed.Rows.Single(r => r.Id == "trafford-279").Definition!;
        Assert.Equal(("Grove Lane, Hale (Altrincham)", 53.380931, -2.32808), (hale.Name, hale.Location.Latitude, hale.Location.Longitude));
    }

    [Fact]
    public void A_signal_inventory_with_a_byte_order_mark_and_NULL_literals_maps_to_signal_rows()
    {
        var records = CsvRecords.Read(File.ReadAllText(RepoPaths.Data("city", "udot-atspm-signal-inventory", "Signals.csv"))).ToList();
        var csv = new StringBuilder("id,kind,name,latitude,longitude,district,zone,controllerAddress\n");
        foreach (var r in records)
        {
            csv.Append(CultureInfo.InvariantCulture, $"udot-{r.Fields[0]},trafficSignal,{r.Fields[3]} & {r.Fields[4]},{r.Fields[1]},{r.Fields[2]},Portland,SE Division,{r.Fields[5]}\n");
        }

        var parsed = DeviceImporter.ParseCsv(csv.ToString());

        Assert.Equal("4161", records[0].Fields[0]);
        Assert.Equal(7, parsed.Rows.Count);
        Assert.All(parsed.Rows, r => Assert.Empty(r.Errors));
        Assert.Equal(45.504089, parsed.Rows[0].Definition!.Location.Latitude);
    }

    [Fact]
    public void Quoted_fields_may_hold_quotes_and_line_breaks()
    {
        var records = CsvRecords.Read("a,b\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\nx,y").ToList();

        Assert.Equal(3, records.Count);
        Assert.Equal(["say \"hi\"", "two\nlines"], records[1].Fields);
        Assert.Equal(4, records[2].Line);
        Assert.Equal(["x", "y"], records[2].Fields);
    }

    [Fact]
    public void Each_bad_cell_is_reported_with_its_row_and_column()
    {
        var parsed = DeviceImporter.ParseCsv("""
            id,kind,latitude,longitude,district,zone,gas,unit,high
            g1,gasSensor,37.5,126.9,Guro,p1,NH3,ppm,35
            g2,gasSensor,north,126.9,Guro,p1,NH3,ppm,35
            g3,gasSensor,37.5,126.9,Guro,p1,XYZ,ppm,35
            g4,spaceship,37.5,126.9,Guro,p1,,,
            g5,gasSensor,37.5,126.9,,p1,NH3,ppm,35,extra
            g6,gasSensor,123,126.9,Guro,p1,NH3,ppm,35
            """);

        Assert.Equal([2, 3, 4, 5, 6, 7], parsed.Rows.Select(r => r.Row));
        Assert.Empty(parsed.Rows[0].Errors);
        Assert.Equal(("latitude", "'north' is not a number"), (parsed.Rows[1].Errors[0].Field, parsed.Rows[1].Errors[0].Message));
        Assert.Equal("gasSensor.gas", parsed.Rows[2].Errors[0].Field);
        Assert.Equal("kind", parsed.Rows[3].Errors[0].Field);
        Assert.Equal(["row", "district"], parsed.Rows[4].Errors.Select(e => e.Field));
        Assert.Equal(("latitude", "must be a WGS84 latitude between -90 and 90"), (parsed.Rows[5].Errors.Single().Field, parsed.Rows[5].Errors.Single().Message));
        Assert.All(parsed.Rows.Skip(1), r => Assert.Null(r.Definition));
    }
}
